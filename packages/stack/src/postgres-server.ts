import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { programPath, type PostgresBinaries } from './postgres-binaries.js';
import type { PostgresUser } from './postgres-user.js';
import { isPostmasterOf, isRunning } from './processes.js';
import { StartupError } from './startup-error.js';

export interface ServerOptions {
  binaries: PostgresBinaries;
  dataDir: string;
  user: PostgresUser | null;
  onLog: (line: string) => void;
}

/** Enough of PostgreSQL's own words to say why it stopped. */
const LOG_LINES_KEPT = 20;
/** Crash recovery after a kill can take a while on a slow disk; a healthy start takes about a second. */
const READY_TIMEOUT_MS = 120_000;
const READY_POLL_MS = 100;

/** `initdb` as PostgreSQL's user: a new cluster with one password-protected superuser. */
export async function initialiseCluster(options: ServerOptions & { superuser: string; password: string }): Promise<void> {
  const { dataDir, user } = options;
  if (user !== null) {
    // initdb, running as the postgres user, cannot create a folder in one of root's.
    await mkdir(dataDir, { recursive: true });
    await chown(dataDir, user.uid, user.gid);
    await chmod(dataDir, 0o700);
  }
  // Beside the cluster, where PostgreSQL's user can read it and nobody else can.
  const passwordFile = `${dataDir}.password-${randomBytes(4).toString('hex')}`;
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (user !== null) await chown(passwordFile, user.uid, user.gid);
    const args = ['--pgdata', dataDir, '--username', options.superuser, `--pwfile=${passwordFile}`, '--auth=scram-sha-256'];
    // The C locale exists on every machine and sorts by code point, the same everywhere.
    args.push('--encoding=UTF8', '--locale=C');
    const child = spawnAs(options, programPath(options.binaries, 'initdb'), args);
    const log = keepLog(child, options.onLog);
    const outcome = await new Promise<string | null>((resolve) => {
      child.once('error', (error) => resolve(error.message));
      // close, not exit: the last lines of its output have been read by then.
      child.once('close', (code, signal) => resolve(code === 0 ? null : `exit ${code ?? signal}`));
    });
    if (outcome !== null) throw new StartupError(`initdb could not create a PostgreSQL cluster in ${dataDir} (${outcome})${formatLog(log)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

export interface RunningServer {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

export type ServerStart = { isReady: true; server: RunningServer } | { isReady: false; reason: string };

/**
 * Runs `postgres` on the cluster until it accepts connections, or says why not. Ready is what
 * pg_ctl itself waits for: postmaster.pid naming this process with status "ready". The server stays a
 * child of this process (pg_ctl would detach it), so Ctrl+C in the terminal reaches it too and a
 * crashing runner does not leave it behind.
 */
export async function runServer(options: ServerOptions & { port: number; flags: string[] }): Promise<ServerStart> {
  const child = spawnAs(options, programPath(options.binaries, 'postgres'), ['-D', options.dataDir, '-p', String(options.port), ...options.flags]);
  const log = keepLog(child, options.onLog);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('close', (code, signal) => resolve(`exit ${code ?? signal}`));
  });
  let exitReason: string | undefined;
  void exited.then((reason) => (exitReason = reason));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (exitReason === undefined && !(await isReady(options.dataDir, child.pid))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      return { isReady: false, reason: `not ready within ${READY_TIMEOUT_MS / 1000} s${formatLog(log)}` };
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  if (exitReason !== undefined) return { isReady: false, reason: `${exitReason}${await describeHolder(options.dataDir, child.pid)}${formatLog(log)}` };

  // A runner that ends without stopping the server (an uncaught error, process.exit) still stops it.
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    isReady: true,
    server: {
      pid: child.pid!,
      port: options.port,
      async stop() {
        process.off('exit', stopOnExit);
        if (child.exitCode === null && child.signalCode === null) {
          // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, the data is made durable.
          child.kill('SIGINT');
          await exited;
        }
        // After a crash (crashPostgres) another postmaster may run this cluster: it is stopped too.
        await stopPostmasterOf(options.dataDir);
      },
    },
  };
}

const STOP_TIMEOUT_MS = 60_000;

async function stopPostmasterOf(dataDir: string): Promise<void> {
  const postmaster = await readPostmasterPid(dataDir);
  if (postmaster === undefined || !isPostmasterOf(postmaster.pid, dataDir)) return;
  process.kill(postmaster.pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isRunning(postmaster.pid)) {
    if (Date.now() > deadline) process.kill(postmaster.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

function spawnAs(options: ServerOptions, program: string, args: string[]): ChildProcess {
  const ids = options.user === null ? {} : { uid: options.user.uid, gid: options.user.gid };
  // cwd: the folder holding the cluster, which PostgreSQL's user can enter (the runner's may be private).
  return spawn(program, args, { ...ids, cwd: path.dirname(options.dataDir), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
}

/** Lines 1 and 8 of postmaster.pid: the postmaster's pid and its status (src/include/utils/pidfile.h). */
async function readPostmasterPid(dataDir: string): Promise<{ pid: number; status: string } | undefined> {
  const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? { pid, status: (lines[7] ?? '').trim() } : undefined;
}

async function isReady(dataDir: string, pid: number | undefined): Promise<boolean> {
  const postmaster = await readPostmasterPid(dataDir);
  return postmaster !== undefined && postmaster.pid === pid && postmaster.status === 'ready';
}

/** When another live postmaster holds the cluster: one an earlier start left running. */
async function describeHolder(dataDir: string, ownPid: number | undefined): Promise<string> {
  const holder = await readPostmasterPid(dataDir);
  if (holder === undefined || holder.pid === ownPid || !isRunning(holder.pid)) return '';
  return `: another PostgreSQL (pid ${holder.pid}) still runs on ${dataDir}, left by a start that did not stop it; stop it (kill ${holder.pid}) and start again`;
}

function keepLog(child: ChildProcess, onLog: (line: string) => void): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      onLog(line);
      lines.push(line);
      if (lines.length > LOG_LINES_KEPT) lines.shift();
    });
  }
  return lines;
}

function formatLog(lines: string[]): string {
  return lines.length === 0 ? '' : `; PostgreSQL said:\n    ${lines.join('\n    ')}`;
}

import { spawn } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { isRunning } from './processes.js';

export interface CrashedPostgres {
  /** The postmaster that was killed. */
  pid: number;
  /** Starts the server again on the same data folder and port; resolves once it accepts connections. */
  restart(): Promise<void>;
}

/** Crash recovery replays the WAL written since the last checkpoint; on a slow disk that takes a while. */
const RESTART_TIMEOUT_MS = 120_000;
const POLL_MS = 100;
const LOG_LINES_KEPT = 20;

/**
 * A database crash, as the OOM killer or a lost machine gives one: SIGKILL to the postmaster and to
 * every process it started (so open connections break now, not when each backend notices), then a
 * start on the same data folder and port that runs PostgreSQL's crash recovery. Works for any server
 * on this machine that this process may signal: the embedded one, or one named by DATABASE_URL. A
 * server on another machine cannot be crashed from here, and says so.
 *
 * The restarted postmaster is the same program with the same arguments, user, folder and environment.
 * An embedded server's handle still stops it (runServer's stop looks for the cluster's postmaster).
 */
export async function crashPostgres(adminUrl: string): Promise<CrashedPostgres> {
  assertOnThisMachine(adminUrl);
  const { postmasterPid, dataDirectory } = await askServer(adminUrl);
  const argv = postmasterPid === undefined ? [] : await commandLine(postmasterPid).catch(() => []);
  if (postmasterPid === undefined || !argv.some((arg) => arg.endsWith('postgres'))) {
    throw new Error(
      `crashPostgres: the PostgreSQL at ${describe(adminUrl)} runs outside this machine's processes (a container or another host); only a server this process can see and signal can be crashed and restarted.`,
    );
  }
  const owner = await ownerOf(postmasterPid);
  const cwd = await readlink(`/proc/${postmasterPid}/cwd`).catch(() => dataDirectory);
  const env = await environmentOf(postmasterPid).catch(() => ({ ...process.env }));
  const children = await childrenOf(postmasterPid);
  const isOurs = (await parentOf(postmasterPid).catch(() => 0)) === process.pid;
  try {
    process.kill(postmasterPid, 'SIGKILL');
  } catch (error) {
    throw new Error(`crashPostgres: may not signal the postmaster ${postmasterPid} of ${describe(adminUrl)} (${(error as NodeJS.ErrnoException).code}); run as its user or as root.`);
  }
  for (const child of children) signalQuietly(child, 'SIGKILL');
  await waitUntil(() => [postmasterPid, ...children].every((pid) => !isRunning(pid)), 30_000, `the killed PostgreSQL (pid ${postmasterPid}) did not go away`);

  return {
    pid: postmasterPid,
    restart: () => restart(adminUrl, { argv, cwd, env, owner, isOurs }),
  };
}

interface Launch {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  owner: { uid: number; gid: number };
  /** Started by this process (an embedded server): the restarted one ends with it too, as runServer's does. */
  isOurs: boolean;
}

async function restart(adminUrl: string, launch: Launch): Promise<void> {
  const [program, ...args] = launch.argv;
  const isSameUser = launch.owner.uid === process.getuid?.();
  const child = spawn(program!, args, {
    cwd: launch.cwd,
    env: launch.env,
    ...(isSameUser ? {} : { uid: launch.owner.uid, gid: launch.owner.gid }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Someone else's server (DATABASE_URL) gets a process group of its own and outlives this process.
    detached: !launch.isOurs,
  });
  if (launch.isOurs) {
    // One hook per live server, not per restart: a run that crashes the server often adds no listeners.
    const stopOnExit = () => child.kill('SIGINT');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.off('exit', stopOnExit));
  }
  const log: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.push(line);
      if (log.length > LOG_LINES_KEPT) log.shift();
    });
  }
  let exitReason: string | undefined;
  child.once('error', (error) => (exitReason = error.message));
  child.once('exit', (code, signal) => (exitReason = `exit ${code ?? signal}`));
  child.unref();
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  while (!(await acceptsConnections(adminUrl))) {
    if (exitReason !== undefined || Date.now() > deadline) {
      if (exitReason === undefined) child.kill('SIGKILL');
      throw new Error(`crashPostgres: PostgreSQL did not start again (${exitReason ?? `not ready within ${RESTART_TIMEOUT_MS / 1000} s`}); it said:\n    ${log.join('\n    ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // Its output is no longer read: let the pipes go so they hold neither process.
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** The host a client connects to: `?host=` (a socket folder, say) wins over the URL's own, as in libpq. */
function hostOf(adminUrl: string): { host: string; port: string } {
  const url = new URL(adminUrl);
  return { host: url.searchParams.get('host') ?? url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || '5432' };
}

function assertOnThisMachine(adminUrl: string): void {
  const { host } = hostOf(adminUrl);
  if (host === '' || host.startsWith('/') || isLocalAddress(host)) return;
  throw new Error(`crashPostgres: the PostgreSQL at ${describe(adminUrl)} is on another host; only a server on this machine can be crashed and restarted.`);
}

function isLocalAddress(host: string): boolean {
  if (host === 'localhost' || host.startsWith('127.') || host === '::1') return true;
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === host));
}

function describe(adminUrl: string): string {
  const { host, port } = hostOf(adminUrl);
  return `${host || 'localhost'}:${port}`;
}

/** The postmaster is the parent of the backend serving a connection, read while that backend lives. */
async function askServer(adminUrl: string): Promise<{ postmasterPid: number | undefined; dataDirectory: string }> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; data_directory: string }>(`SELECT pg_backend_pid() AS pid, current_setting('data_directory') AS data_directory`);
    return { postmasterPid: await parentOf(rows[0]!.pid).catch(() => undefined), dataDirectory: rows[0]!.data_directory };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
async function statFields(pid: number): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

async function parentOf(pid: number): Promise<number> {
  return Number((await statFields(pid))[1]);
}

async function commandLine(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter((arg) => arg !== '');
}

async function ownerOf(pid: number): Promise<{ uid: number; gid: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const id = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { uid: id('Uid'), gid: id('Gid') };
}

async function environmentOf(pid: number): Promise<NodeJS.ProcessEnv> {
  const entries = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter((entry) => entry.includes('='));
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

async function childrenOf(pid: number): Promise<number[]> {
  const list = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return list.split(' ').filter((entry) => entry !== '').map(Number);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already: the postmaster's death ended it first.
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`crashPostgres: ${failure} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function acceptsConnections(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

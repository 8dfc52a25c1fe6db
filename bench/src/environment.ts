import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SERVICES, startScratchPostgres, startSystem, type EmbeddedPostgresHandle, type RunningSystem } from '@orderflow/stack';
import { findPostmasterOfBackend } from './cpu.js';
import type { Transport } from './options.js';
import type { Teardown } from './teardown.js';

export interface BenchEnvironment {
  system: RunningSystem;
  adminUrl: string;
  /** The four databases the system uses, by service. */
  databaseNames: Record<(typeof SERVICES)[number], string>;
  postgres: { version: string; isEmbedded: boolean; postmasterPid: number | null };
  /** Live connection to the server for statistics. */
  admin: pg.Client;
  logsDir: string;
}

/**
 * The system under test: PostgreSQL (embedded in a temporary folder, so every run starts from an
 * empty cluster, or the server at `databaseUrl` with databases of a random prefix, dropped at the
 * end), then the four services and the gateway as real processes, logging to files.
 */
export async function startBenchEnvironment(
  options: { databaseUrl: string | undefined; logsDir: string; logLevel: string; cpuProfDir?: string | undefined; env?: Record<string, string>; transport: Transport },
  teardown: Teardown,
): Promise<BenchEnvironment> {
  let adminUrl = options.databaseUrl;
  let embedded: EmbeddedPostgresHandle | undefined;
  if (adminUrl === undefined) {
    // Registered before it is up, so an interrupt while it boots still stops it once it has.
    const starting = startScratchPostgres('bench');
    teardown.add(() => starting.then((postgres) => postgres.stop(), () => {}));
    embedded = await starting;
    adminUrl = embedded.adminUrl;
  }

  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const databaseNames = Object.fromEntries(SERVICES.map((service) => [service, `${prefix}_${service}`])) as BenchEnvironment['databaseNames'];
  if (embedded === undefined) teardown.add(() => dropDatabases(adminUrl, Object.values(databaseNames)));

  const booting = startSystem({
    transport: options.transport,
    adminUrl,
    databasePrefix: prefix,
    internalToken: randomBytes(24).toString('base64url'),
    logLevel: options.logLevel,
    logs: { dir: options.logsDir },
    nodeArgs: options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`],
    env: options.env,
    // The load comes from one address; the edge's per-address sign-up and login limit would cap the
    // logins phase at its own rate instead of auth's.
    serviceEnv: { gateway: { CREDENTIAL_RATE_LIMIT: '1000000' } },
  });
  teardown.add(() => booting.then((system) => system.stop(), () => {}));
  const system = await booting;
  // For the same reason: no service outlives the bench, even when the process exits mid-teardown.
  process.once('exit', () => {
    for (const { child } of system.processes) if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  teardown.add(() => admin.end());
  const { rows } = await admin.query<{ version: string; pid: number }>('SELECT current_setting($1) AS version, pg_backend_pid() AS pid', ['server_version']);
  const postmasterPid = embedded === undefined ? findPostmasterOfBackend(rows[0]!.pid) : embedded.pid;

  return {
    system,
    adminUrl,
    databaseNames,
    postgres: { version: rows[0]!.version, isEmbedded: embedded !== undefined, postmasterPid },
    admin,
    logsDir: options.logsDir,
  };
}

async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // The names are the bench's own `bench_<hex>_<service>`, never user input.
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Transactions committed so far in the given databases. PostgreSQL counts every committed
 * transaction here, read-only ones included, so an autocommitted SELECT is one commit as well.
 * Backends publish their counts about once a second while busy: read it while the load runs, at
 * both ends of a window, so the delay is the same at both ends and cancels out.
 */
export async function readCommits(admin: pg.Client, databases: string[]): Promise<number> {
  const { rows } = await admin.query<{ commits: string }>(
    'SELECT coalesce(sum(xact_commit), 0)::bigint AS commits FROM pg_stat_database WHERE datname = ANY($1)',
    [databases],
  );
  return Number(rows[0]!.commits);
}

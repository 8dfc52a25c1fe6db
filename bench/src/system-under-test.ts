import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SERVICES, startScratchPostgres, startSystem, type RunningSystem, type ServiceName } from '@orderflow/stack';
import { cpuBetween, sampleCpu } from './cpu.js';

export interface WindowReading {
  /** performance.now() when the window opened. */
  openedAt: number;
  seconds: number;
  cpuMs: Record<string, number>;
  commits: number;
}

export interface SystemUnderTest {
  system: RunningSystem;
  adminUrl: string;
  postmasterPid: number;
  postgresVersion: string;
  databaseNames: Record<ServiceName, string>;
  /** PostgreSQL's log lines since `startRecording`, until `stopRecording`. */
  startRecording(): Promise<void>;
  stopRecording(): Promise<string[]>;
  /** Opens a measurement window (CPU per process, commits of the system's databases); call the answer to close it. */
  openWindow(): Promise<() => Promise<WindowReading>>;
  stop(): Promise<void>;
}

/**
 * A scratch PostgreSQL of the bench's own (so every run starts empty and its log can be read), and
 * the four services and the gateway on it as `npm start` runs them.
 */
export async function bootSystem(options: { logsDir: string; logLevel: string; transport: 'tcp' | 'unix'; env?: Record<string, string> }): Promise<SystemUnderTest> {
  let recording: string[] | undefined;
  const postgres = await startScratchPostgres('bench', { onLog: (line) => recording?.push(line) });
  const stops: (() => Promise<unknown>)[] = [() => postgres.stop()];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => {});
  };
  try {
    const prefix = `bench_${randomBytes(4).toString('hex')}`;
    const system = await startSystem({
      transport: options.transport,
      adminUrl: postgres.adminUrl,
      databasePrefix: prefix,
      internalToken: randomBytes(24).toString('base64url'),
      logLevel: options.logLevel,
      logs: { dir: options.logsDir },
      env: options.env,
      // The load comes from one address: the edge's per-address sign-up limit would cap the preparation.
      serviceEnv: { gateway: { CREDENTIAL_RATE_LIMIT: '1000000' } },
    });
    stops.push(() => system.stop());
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    stops.push(() => admin.end());
    const databaseNames = Object.fromEntries(SERVICES.map((service) => [service, `${prefix}_${service}`])) as Record<ServiceName, string>;
    const pids = Object.fromEntries(system.processes.map((p) => [p.service, p.child!.pid!]));
    const readCommits = async () =>
      Number((await admin.query<{ n: string }>('SELECT sum(xact_commit)::bigint AS n FROM pg_stat_database WHERE datname = ANY($1)', [Object.values(databaseNames)])).rows[0]!.n);
    // Superuser settings, applied to every session at once by a reload; on a scratch cluster only.
    const setLogging = async (value: 'all' | 'none') => {
      await admin.query(`ALTER SYSTEM SET log_statement = '${value}'`);
      await admin.query(`ALTER SYSTEM SET log_line_prefix = '${value === 'all' ? '@@%d@@ ' : '%m [%p] '}'`);
      await admin.query('SELECT pg_reload_conf()');
    };
    return {
      system,
      adminUrl: postgres.adminUrl,
      postmasterPid: postgres.pid,
      postgresVersion: (await admin.query<{ v: string }>('SHOW server_version')).rows[0]!.v,
      databaseNames,
      async startRecording() {
        recording = [];
        await setLogging('all');
      },
      async stopRecording() {
        await setLogging('none');
        const lines = recording ?? [];
        recording = undefined;
        return lines;
      },
      // Backends publish xact_commit about once a second while busy: read it at both ends under load.
      async openWindow() {
        const [openedAt, cpu, commits] = [performance.now(), sampleCpu(pids, postgres.pid), await readCommits()];
        return async () => {
          const [seconds, cpuMs] = [(performance.now() - openedAt) / 1000, cpuBetween(cpu, sampleCpu(pids, postgres.pid))];
          return { openedAt, seconds, cpuMs, commits: (await readCommits()) - commits };
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

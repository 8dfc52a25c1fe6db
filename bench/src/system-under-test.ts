import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SERVICES, startScratchPostgres, startSystem, type ServiceName } from '@orderflow/stack';
import { cpuBetween, sampleCpu } from './cpu.js';
import type { BenchOptions } from './options.js';

export interface WindowReading {
  /** performance.now() when the window opened. */
  openedAt: number;
  seconds: number;
  cpuMs: Record<string, number>;
  commits: number;
  /** Rows inserted, updated or deleted in the system's databases. */
  rowsWritten: number;
  /** The machine's busy CPU time over the window, as a share of all its cores. */
  machineBusyPercent: number;
}

export type SystemUnderTest = Awaited<ReturnType<typeof bootSystem>>;
export type TopStatement = Awaited<ReturnType<SystemUnderTest['topStatements']>>[number];

/**
 * A scratch PostgreSQL of the bench's own (so every run starts empty and its log can be read), and
 * the four services and the gateway on it as `npm start` runs them.
 */
export async function bootSystem(options: BenchOptions, logsDir: string, env?: Record<string, string>) {
  let recording: string[] | undefined;
  const postgres = await startScratchPostgres('bench', { onLog: (line) => recording?.push(line) });
  const stops: (() => Promise<unknown>)[] = [() => postgres.stop()];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const step of stops.toReversed()) await step().catch(() => {});
    })());
  try {
    const prefix = `bench_${randomBytes(4).toString('hex')}`;
    const system = await startSystem({
      transport: options.transport,
      adminUrl: postgres.adminUrl,
      databasePrefix: prefix,
      internalToken: randomBytes(24).toString('base64url'),
      logLevel: options.logLevel,
      logs: { dir: logsDir },
      env,
      nodeArgs: options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`],
      // The load comes from one address: the edge's per-address sign-up limit would cap the preparation.
      serviceEnv: { gateway: { CREDENTIAL_RATE_LIMIT: '1000000' } },
    });
    stops.push(() => system.stop());
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    stops.push(() => admin.end());
    const databaseNames = Object.fromEntries(SERVICES.map((service) => [service, `${prefix}_${service}`])) as Record<ServiceName, string>;
    const pids = Object.fromEntries(system.processes.map((p) => [p.service, p.child!.pid!]));
    const readCounters = async () => {
      const { rows } = await admin.query<{ commits: string; written: string }>(
        'SELECT sum(xact_commit)::bigint AS commits, sum(tup_inserted + tup_updated + tup_deleted)::bigint AS written FROM pg_stat_database WHERE datname = ANY($1)',
        [Object.values(databaseNames)],
      );
      return { commits: Number(rows[0]!.commits), written: Number(rows[0]!.written) };
    };
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
      /** The gateway's and each service's process id. */
      pids,
      postgresVersion: (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v,
      databaseNames,
      /** PostgreSQL's log lines from `startRecording` until `stopRecording`. */
      async startRecording() {
        recording = [];
        await setLogging('all');
        // The reload is asynchronous: once a statement of ours is logged, every backend has been told.
        for (let attempt = 0; !recording.some((line) => line.includes('orderflow-bench: logging')); attempt++) {
          if (attempt === 50) throw new Error('PostgreSQL did not start logging statements');
          await admin.query("SELECT 'orderflow-bench: logging'");
          await sleep(100);
        }
      },
      /** A statement of the bench's own, logged between the services' while recording. */
      async logMarker(statement: string) {
        await admin.query(statement);
      },
      async stopRecording(): Promise<string[]> {
        await setLogging('none');
        const lines = recording ?? [];
        recording = undefined;
        return lines;
      },
      /** Forgets pg_stat_statements' counts; `topStatements` then reads the costliest since. */
      async resetStatements() {
        await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        await admin.query('SELECT pg_stat_statements_reset()');
      },
      async topStatements() {
        const { rows } = await admin.query<{ database: string; query: string; calls: string; mean: number; share: number }>(
          `SELECT d.datname AS database, s.query, s.calls, s.mean_exec_time AS mean, s.total_exec_time / sum(s.total_exec_time) OVER () AS share
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = ANY($1) ORDER BY s.total_exec_time DESC LIMIT 10`,
          [Object.values(databaseNames)],
        );
        return rows.map((r) => ({ database: r.database.slice(prefix.length + 1), query: r.query.replace(/\s+/g, ' '), calls: Number(r.calls), meanMs: r.mean, share: r.share }));
      },
      /** Opens a measurement window; call the answer to close it. xact_commit is published about once a second: read it under load. */
      async openWindow(): Promise<() => Promise<WindowReading>> {
        const [openedAt, cpu, counters] = [performance.now(), sampleCpu(pids, postgres.pid), await readCounters()];
        return async () => {
          const [seconds, cpuMs] = [(performance.now() - openedAt) / 1000, cpuBetween(cpu, sampleCpu(pids, postgres.pid))];
          const end = await readCounters();
          const machineBusyPercent = (100 * cpuMs.machine!) / (seconds * 1000 * os.availableParallelism());
          return { openedAt, seconds, cpuMs, commits: end.commits - counters.commits, rowsWritten: end.written - counters.written, machineBusyPercent };
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

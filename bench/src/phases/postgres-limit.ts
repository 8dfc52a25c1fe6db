import { randomBytes } from 'node:crypto';
import { DEFAULT_DELIVERED_MARK_DELAY_MS } from '@orderflow/order/store/delivered-marks';
import type { CpuProbe } from '../cpu.js';
import { ensureDebianProgram } from '../debian-program.js';
import { closeFlow, connectFlow, createFlowUser, type DatabaseUrls, type FlowConnections } from '../order-flow-sql.js';
import { scriptPaidOrder } from '../pgbench/record-paid-order.js';
import { readPgbenchVersion, runPgbench, type PgbenchRun } from '../pgbench/run-pgbench.js';
import type { DatabaseScript } from '../pgbench/pgbench-scripts.js';
import { formatRate, sleep, startProgress } from '../progress.js';
import { formatMs, formatNumber } from '../results.js';

export interface DatabaseShare extends DatabaseScript, PgbenchRun {
  /** PostgreSQL's CPU over the pgbench run (its connections' start included) per run of the script; null where it is not measured. */
  postgresCpuMsPerRun: number | null;
  machineBusyPercent: number;
}

export interface PostgresLimitResult {
  /** Why the figure is missing (no pgbench), when it is. */
  skipped?: string;
  pgbench?: string;
  clients: number;
  threads: number;
  /** How long pgbench ran each database's share, one after the other. */
  secondsPerDatabase: number;
  /** Paid orders whose delivered marks share one statement: the system's at saturation (its rate × order's batch delay). */
  batchSize: number;
  statementsPerPaidOrder: number;
  transactionsPerPaidOrder: number;
  /** Each database's share of a paid order, then the statements the system batches: the script, and what pgbench made of it. */
  databases: DatabaseShare[];
  /** 1 ÷ Σ (1 ÷ (tps × orders per run)): paid orders per second when each script has the server to itself in turn. */
  paidPerSecond: number;
  /** Σ of the shares' PostgreSQL CPU per run: what a paid order costs the server here, to hold against the system's. */
  postgresCpuMsPerPaidOrder: number | null;
}

/**
 * After pgbench exits, its backends exit and the postmaster reaps them: one reaped between the
 * reads of the postmaster and of its children would be counted nowhere, so the CPU is read after.
 */
const BACKENDS_EXIT_MS = 1000;

/** One user per pgbench client, as register, login and top-up leave them, with consecutive ids for `first_user_id + client_id`. */
async function prepareClientUsers(db: FlowConnections, login: string, clients: number): Promise<number> {
  const ids: number[] = [];
  for (let client = 0; client < clients; client++) ids.push((await createFlowUser(db, `${login}_${client}`)).id);
  if (ids.some((id, client) => id !== ids[0]! + client)) throw new Error(`pgbench's users have no consecutive ids (${ids.join(', ')}): someone else registered meanwhile`);
  return ids[0]!;
}

/**
 * One script under pgbench, with PostgreSQL's CPU per run of it. A share runs for the time given; a
 * batch script takes each row its share's runs created once (`rows`), then stops.
 */
async function runScript(
  url: string,
  script: DatabaseScript,
  settings: { clients: number; threads: number; secondsPerDatabase: number },
  rows: number,
  cpu: CpuProbe,
): Promise<DatabaseShare> {
  let tps: number | undefined;
  const label = script.isBatched ? `${script.database} batch` : script.database;
  const progress = startProgress(`pgbench ${label}`, () => (tps === undefined ? 'connecting' : `${formatRate(tps)} tps`));
  try {
    const before = cpu.sample();
    const run = await runPgbench({
      url,
      script: script.script,
      variables: script.variables,
      clients: settings.clients,
      threads: settings.threads,
      length: script.isBatched ? { runsPerClient: Math.max(1, Math.floor(rows / (script.ordersPerRun * settings.clients))) } : { seconds: settings.secondsPerDatabase },
      onProgress: (latest) => (tps = latest),
    });
    const atExit = cpu.sample();
    await sleep(BACKENDS_EXIT_MS);
    const postgresMs = cpu.between(before, cpu.sample()).cpuMs.postgres ?? null;
    if (run.failed > 0 || run.tps <= 0) throw new Error(`pgbench on ${label}: ${run.failed} failed, ${run.tps} tps`);
    return { ...script, ...run, postgresCpuMsPerRun: postgresMs === null ? null : postgresMs / run.processed, machineBusyPercent: cpu.between(before, atExit).machineBusyPercent };
  } finally {
    progress.stop();
  }
}

/**
 * Phase 5b: PostgreSQL's own limit for this flow, from pgbench (C, one libpq connection per client)
 * sending the statements of one paid order as the stores sent them, recorded (record-paid-order.ts).
 * A pgbench stays in one database, so each database's share runs alone for the same time, one
 * after the other, on the same server, and then the statement order batches (its delivered marks,
 * `batchSize` orders each). A paid order needs each share once and 1 ÷ batchSize of a batch; with
 * the server kept busy by one script at a time, the times per order add up:
 * limit = 1 ÷ Σ (1 ÷ (tps × orders per run)).
 */
export async function runPostgresLimitPhase(
  urls: DatabaseUrls,
  options: { clients: number; threads: number; secondsPerDatabase: number; systemPaidPerSecond: number },
  cpu: CpuProbe,
): Promise<PostgresLimitResult> {
  const result: PostgresLimitResult = {
    clients: options.clients,
    threads: Math.min(options.threads, options.clients),
    secondsPerDatabase: options.secondsPerDatabase,
    batchSize: Math.max(1, Math.round((options.systemPaidPerSecond * DEFAULT_DELIVERED_MARK_DELAY_MS) / 1000)),
    statementsPerPaidOrder: 0,
    transactionsPerPaidOrder: 0,
    databases: [],
    paidPerSecond: 0,
    postgresCpuMsPerPaidOrder: null,
  };
  // Debian ships pgbench with the server (postgresql-NN, which postgresql-contrib pulls in), not in postgresql-client.
  if (!(await ensureDebianProgram('pgbench', 'postgresql-contrib', ['--version']))) return { ...result, skipped: 'pgbench is missing and could not be installed' };
  result.pgbench = await readPgbenchVersion();

  const login = `pgbench_${randomBytes(3).toString('hex')}`;
  const db = await connectFlow(urls);
  let scripts: DatabaseScript[];
  try {
    const firstUserId = await prepareClientUsers(db, login, options.clients);
    scripts = await scriptPaidOrder(db, { login: `${login}_recorded`, firstUserId, clients: options.clients, batchSize: result.batchSize });
  } finally {
    await closeFlow(db);
  }

  // The shares come first: a batch script marks the rows its database's share created.
  for (const script of scripts) {
    const rows = result.databases.find((share) => share.database === script.database && !share.isBatched)?.processed ?? 0;
    result.databases.push(await runScript(urls[script.database], script, result, rows, cpu));
  }
  const perOrder = (of: (share: DatabaseShare) => number) => result.databases.reduce((sum, share) => sum + of(share) / share.ordersPerRun, 0);
  result.statementsPerPaidOrder = perOrder((share) => share.statements);
  result.transactionsPerPaidOrder = perOrder((share) => share.transactions);
  result.paidPerSecond = 1 / perOrder((share) => 1 / share.tps);
  const isCpuMeasured = result.databases.every((share) => share.postgresCpuMsPerRun !== null);
  result.postgresCpuMsPerPaidOrder = isCpuMeasured ? perOrder((share) => share.postgresCpuMsPerRun!) : null;
  return result;
}

/** The progress line: each database's tps and the limit, or why there is none. */
export function describePostgresLimit(limit: PostgresLimitResult, systemPaidPerSecond: number): string {
  if (limit.skipped !== undefined) return `not measured: ${limit.skipped}`;
  const shares = limit.databases.map((share) =>
    share.isBatched ? `${share.database} batch ${formatNumber(share.tps)} tps (${share.ordersPerRun} orders a run)` : `${share.database} ${formatNumber(share.tps)} tps (${share.statements} statements)`,
  );
  const cpu = limit.postgresCpuMsPerPaidOrder === null ? '' : `, PostgreSQL ${formatMs(limit.postgresCpuMsPerPaidOrder)} ms CPU per paid order`;
  return `${shares.join(', ')} → ${formatNumber(limit.paidPerSecond)} paid orders/s${cpu}; system ÷ limit ${(systemPaidPerSecond / limit.paidPerSecond).toFixed(2)}`;
}

import type { StatementCost } from './statements.js';
import type { TracingOverheadResult } from './phases/tracing-overhead.js';
import type { FlowPhaseResult } from './flow-recorder.js';
import type { LoginsPhaseResult } from './phases/logins.js';
import type { DatabaseBoundResult } from './phases/database-bound.js';
import type { FloorResult } from './floor/unloaded-floor.js';
import type { NewmanRunsResult } from './phases/newman-runs.js';
import type { SystemCallsResult } from './phases/system-calls.js';
import type { PostgresLimitResult } from './phases/postgres-limit.js';
import type { Transport } from './options.js';
import type { PerRequestComparison } from './per-request-comparison.js';

export interface BenchResults {
  generatedAt: string;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    node: string;
    postgres: string;
    /** Where PostgreSQL ran, and so whether its CPU could be measured. */
    postgresLocation: string;
    commit: string;
  };
  settings: {
    users: number;
    durationS: number;
    warmupS: number;
    rate: number;
    rateSource: string;
    unloadedCycles: number;
    loginClients: number;
    loginDurationS: number;
    logLevel: string;
    /** How the gateway and the services talked. */
    transport: Transport;
  };
  phases: {
    unloaded: FlowPhaseResult;
    saturation: FlowPhaseResult;
    fixedRate: FlowPhaseResult;
    logins: LoginsPhaseResult;
    databaseBound: DatabaseBoundResult;
  };
  /** What the unloaded pay's hops and commits cost bare, measured at idle in the same run. */
  floor: FloorResult;
  /** The seed's collection through newman right after boot, then warm. */
  newman: NewmanRunsResult;
  /** System calls per paid order of each process, under the saturation load. */
  systemCalls: SystemCallsResult;
  /** Each service's CPU per request at saturation against bare servers' measured in the same run. */
  perRequest: PerRequestComparison;
  /** The costliest statements of the saturation phase (pg_stat_statements); absent where the extension is not available. */
  statements?: StatementCost[];
  /** Phase 6: saturation again with tracing on, against phase 2 with it off (absent with --no-tracing). */
  tracing?: TracingOverheadResult;
  /** Saturation paid orders per second ÷ the database bound's. */
  systemToBound: number;
  /** pgbench running each database's share of a paid order (after phase 5). */
  postgresLimit: PostgresLimitResult;
  /** Saturation paid orders per second ÷ pgbench's limit; null when it was not measured. */
  systemToPostgresLimit: number | null;
  targets: Target[];
}

export interface Target {
  name: string;
  measured: string;
  goal: string;
  /** Null when the bench does not measure it. */
  isMet: boolean | null;
}

/**
 * The targets of issue 14, "cut the cost of the HTTP hops": ratios taken in the same run, since the
 * machine's absolute speed drifts; the unloaded pay is judged against its own floor.
 */
export function evaluateTargets(results: Omit<BenchResults, 'targets'>): Target[] {
  const { unloaded, saturation, fixedRate, logins, databaseBound } = results.phases;
  const errorCounts = [unloaded, saturation, fixedRate, logins, databaseBound].map((phase) => phase.errors.total);
  const fixedPayP99 = fixedRate.latencyFromSchedule?.pay?.p99;
  const unloadedPayP50 = unloaded.latencyFromSend.pay?.p50;
  const { floor, newman } = results;
  return [
    {
      name: 'errors in every phase (unloaded · saturation · fixed rate · logins · bound)',
      measured: errorCounts.join(' · '),
      goal: '0',
      isMet: errorCounts.every((n) => n === 0),
    },
    {
      name: `saturation ÷ database bound, V = ${saturation.users}`,
      measured: `${results.systemToBound.toFixed(2)} (${saturation.paidPerSecond.toFixed(0)} ÷ ${databaseBound.paidPerSecond.toFixed(0)} paid orders/s)`,
      goal: '≥ 0.7',
      isMet: results.systemToBound >= 0.7,
    },
    servicesAgainstPostgres(saturation.cpu?.msPerPaidOrder ?? {}),
    {
      name: `saturation ÷ PostgreSQL's own limit (pgbench -M prepared -c ${results.postgresLimit.clients}, the statements of a paid order)`,
      measured:
        results.systemToPostgresLimit === null
          ? `not measured: ${results.postgresLimit.skipped ?? 'no limit'}`
          : `${results.systemToPostgresLimit.toFixed(2)} (${saturation.paidPerSecond.toFixed(0)} ÷ ${results.postgresLimit.paidPerSecond.toFixed(0)} paid orders/s)`,
      goal: 'reported',
      isMet: null,
    },
    {
      name: `fixed rate ${formatNumber(fixedRate.rate ?? 0)}/s: pay p99 from the scheduled start`,
      measured: fixedPayP99 === undefined ? 'no sample' : `${formatMs(fixedPayP99)} ms`,
      goal: '≤ 25 ms',
      isMet: fixedPayP99 !== undefined && fixedPayP99 <= 25,
    },
    {
      name: `unloaded: pay p50 ÷ its floor (${floor.httpExchanges} bare round trips + ${floor.sequentialCommits} bare commits)`,
      measured: unloadedPayP50 === undefined ? 'no sample' : `${floor.payToFloor.toFixed(2)} (${formatMs(unloadedPayP50)} ÷ ${formatMs(floor.floorMs)} ms)`,
      goal: '≤ 1.25',
      isMet: unloadedPayP50 !== undefined && floor.payToFloor <= 1.25,
    },
    {
      name: 'newman run of the Postman collection right after the system boots: newman\'s average per request (first run · warm runs)',
      measured: `${formatMs(newman.first.averageMs)} · ${newman.warm.map((run) => formatMs(run.averageMs)).join(', ')} ms (${newman.first.requests} requests a run, ${[newman.first, ...newman.warm].reduce((sum, run) => sum + run.failures, 0)} failed assertions)`,
      goal: '≤ 20 ms · ≤ 10 ms',
      isMet: newman.first.averageMs <= 20 && newman.warm.every((run) => run.averageMs <= 10) && [newman.first, ...newman.warm].every((run) => run.failures === 0),
    },
  ];
}

const SERVICES_PROCESSES = ['gateway', 'auth', 'billing', 'order', 'notification'];

/** The services' CPU per paid order against PostgreSQL's: the HTTP plumbing should cost no more than the SQL. */
function servicesAgainstPostgres(msPerPaidOrder: Record<string, number | null>): Target {
  const services = SERVICES_PROCESSES.reduce((sum, name) => sum + (msPerPaidOrder[name] ?? 0), 0);
  const postgres = msPerPaidOrder.postgres ?? null;
  return {
    name: 'saturation: CPU of all services per paid order ÷ PostgreSQL\'s',
    measured: postgres === null ? `${formatMs(services)} ms (PostgreSQL not measured)` : `${(services / postgres).toFixed(2)} (${formatMs(services)} ÷ ${formatMs(postgres)} ms)`,
    goal: '≤ 1',
    isMet: postgres === null ? null : services <= postgres,
  };
}

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function formatNumber(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

import type { RunningSystem } from '@orderflow/stack';
import { checkInvariants, waitForQuiescence } from './invariants.js';
import { injectFaults, waitUntilEveryProcessIsReady, type CrashDatabase, type FaultKind, type FaultNetwork, type FaultStep, type FaultTimings, type InjectedFault } from './faults.js';
import { runLoad, type LongestRequest } from './load.js';
import type { NetworkFaultKind } from './fault-proxy.js';

export interface ChaosOptions {
  system: RunningSystem;
  network: FaultNetwork;
  crashDatabase: CrashDatabase;
  durationMs: number;
  users: number;
  /** The kinds of fault drawn at random once `plan` is done. */
  kinds: readonly FaultKind[];
  plan?: readonly FaultStep[];
  timings: FaultTimings;
  log?: (line: string) => void;
}

export interface ChaosSummary {
  users: number;
  requests: number;
  failedRequests: number;
  orders: number;
  paidOrders: number;
  faults: InjectedFault[];
  /** Over every proxy: answer chunks delayed or swallowed, answers reset, listeners closed. */
  networkActs: Record<NetworkFaultKind, number>;
  longestRequest: LongestRequest;
  requestBoundMs: number;
  /** From the lifting of the last fault until every process was ready. */
  readyAfterLastFaultMs: number;
  readyWithinMs: number;
  violations: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** How long recovery may take to settle every order, letter and account once the load has stopped. */
const SETTLE_WITHIN_MS = 60_000;

/**
 * The gateway's UPSTREAM_TIMEOUT_MS in a chaos run. It is above order's own budget for a call to
 * billing (three attempts of PEER_TIMEOUT_MS with backoff), so a pay whose billing call is lost gets
 * order's 503, not the gateway's.
 */
const GATEWAY_UPSTREAM_TIMEOUT_MS = 5_000;

/**
 * The documented bound on any answer: the gateway asks auth (forward auth), then the route's service,
 * each within UPSTREAM_TIMEOUT_MS; a second more covers undici's coarse timers on a busy machine.
 */
export const REQUEST_BOUND_MS = 2 * GATEWAY_UPSTREAM_TIMEOUT_MS + 1_000;

/** Every process answers /health/ready with 200 this soon after a fault is lifted (a restart included). */
export const READY_WITHIN_MS = 15_000;

/** Fast recovery for a short run: unsettled payments are retried after a second, letters every 200 ms. */
export const CHAOS_SERVICE_ENV = {
  // Every simulated user signs up from one address: the edge's per-address limit would refuse them.
  gateway: { CREDENTIAL_RATE_LIMIT: '100000', UPSTREAM_TIMEOUT_MS: String(GATEWAY_UPSTREAM_TIMEOUT_MS) },
  order: { RECOVERY_AFTER_MS: '1000', WORKER_INTERVAL_MS: '200', PEER_TIMEOUT_MS: '1000' },
};

/**
 * Drives users through sign-up → top up → order → pay → (sometimes) cancel while faults are injected
 * one after another, then lets recovery finish and checks the invariants.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const { system, network } = options;
  const log = options.log ?? (() => {});
  const until = Date.now() + options.durationMs;
  const stop: { at?: number } = {};
  let markUnderWay = () => {};
  const underWay = new Promise<void>((resolve) => (markUnderWay = resolve));

  const loadDone = runLoad({ gatewayUrl: system.gatewayUrl, users: options.users, stop, onFirstPay: () => markUnderWay(), clientTimeoutMs: 3 * REQUEST_BOUND_MS, log });
  // The load runs as long as asked and, on a slow machine, until the whole plan has been injected.
  let faults: InjectedFault[];
  try {
    faults = await injectFaults({ system, network, crashDatabase: options.crashDatabase, startAfter: underWay, plan: options.plan ?? [], kinds: options.kinds, until, timings: options.timings, readyWithinMs: READY_WITHIN_MS, log });
    await sleep(until - Date.now());
  } finally {
    stop.at = Date.now();
  }
  const load = await loadDone;
  // Each fault was measured until every process was ready again; this is the check that none stayed down.
  const isReadyAtEnd = await waitUntilEveryProcessIsReady(system.processes, READY_WITHIN_MS);

  log('load stopped; waiting for recovery to settle every order, letter and account');
  const settled = await waitForQuiescence(system.databaseUrls, SETTLE_WITHIN_MS);
  const violations = await checkInvariants(system.databaseUrls, load.ledgers, load.answers);
  if (!settled) violations.unshift(`recovery did not settle every order, letter and account within ${SETTLE_WITHIN_MS / 1000} s`);
  if (load.failedSignUps > 0) violations.push(`${load.failedSignUps} sign-ups never got to a logged-in user`);
  if (!isReadyAtEnd) violations.push(`a process was still not ready ${READY_WITHIN_MS} ms after the last fault`);
  if (faults.length === 0) violations.push('no fault was injected');
  for (const fault of faults) {
    if (fault.readyAfterMs > READY_WITHIN_MS) violations.push(`${fault.kind} on ${fault.target}: ready again after ${fault.readyAfterMs} ms, over ${READY_WITHIN_MS} ms`);
  }
  if (load.longestRequest.ms > REQUEST_BOUND_MS) {
    const { ms, method, path, outcome } = load.longestRequest;
    violations.push(`${load.requestsOverBound(REQUEST_BOUND_MS)} requests took longer than ${REQUEST_BOUND_MS} ms; the longest, ${method} ${path} (${outcome}), ${ms} ms`);
  }
  return {
    users: load.ledgers.length,
    requests: load.requests,
    failedRequests: load.failedRequests,
    orders: load.orders,
    paidOrders: [...load.answers.paid.values()].filter((statuses) => statuses.includes('processing')).length,
    faults,
    networkActs: network.acted(),
    longestRequest: load.longestRequest,
    requestBoundMs: REQUEST_BOUND_MS,
    readyAfterLastFaultMs: faults.at(-1)?.readyAfterMs ?? 0,
    readyWithinMs: READY_WITHIN_MS,
    violations,
  };
}

export function countFaults(faults: readonly InjectedFault[]): Record<FaultKind, number> {
  const counts = { kill: 0, delay: 0, blackhole: 0, reset: 0, refuse: 0, postgres: 0 };
  for (const fault of faults) counts[fault.kind]++;
  return counts;
}

export function formatSummary(summary: ChaosSummary): string {
  const counts = countFaults(summary.faults);
  const acts = summary.networkActs;
  const longestReady = Math.max(0, ...summary.faults.map((f) => f.readyAfterMs));
  return [
    `users ${summary.users}, requests ${summary.requests} (${summary.failedRequests} met a fault and were retried), orders ${summary.orders}, paid orders ${summary.paidOrders}`,
    `faults: ${summary.faults.length} (processes killed ${counts.kill}, PostgreSQL crashed ${counts.postgres}, links delayed ${counts.delay}, blackholed ${counts.blackhole}, reset ${counts.reset}, refused ${counts.refuse})`,
    `the proxies delayed ${acts.delay} answer chunks, swallowed ${acts.blackhole}, reset ${acts.reset} answers mid-way and closed a listener ${acts.refuse} times (a kill closes those in front of its process)`,
    `longest request ${summary.longestRequest.ms} ms (${summary.longestRequest.method} ${summary.longestRequest.path}, ${summary.longestRequest.outcome}; bound ${summary.requestBoundMs} ms)`,
    `time to ready after a fault: longest ${longestReady} ms, after the last ${summary.readyAfterLastFaultMs} ms (bound ${summary.readyWithinMs} ms)`,
    `invariant violations: ${summary.violations.length}`,
    ...summary.violations.map((v) => `  - ${v}`),
  ].join('\n');
}

import { performance } from 'node:perf_hooks';
import { findChildPids } from '../cpu.js';
import { ensureDebianProgram } from '../debian-program.js';
import { createFlowRecorder, type PhaseErrors } from '../flow-recorder.js';
import type { BenchUser, GatewayClient } from '../gateway-client.js';
import { startStraceCount, WRITE_CALLS, type SyscallCounts } from '../kernel/strace-summary.js';
import { readTcpSegmentsSent } from '../kernel/tcp-segments.js';
import { formatRate, sleep, startProgress } from '../progress.js';

/** Load before strace attaches, so the window opens on the saturation's steady state. */
const RAMP_MS = 500;
/** Enough to see each process's busiest calls without a wall of rare ones. */
const TOP_CALLS = 4;

export interface ProcessSystemCalls {
  calls: number;
  /** write + writev + sendto + sendmsg + sendmmsg. */
  writes: number;
  callsPerPaidOrder: number;
  writesPerPaidOrder: number;
  /** The most frequent calls, per paid order. */
  top: { name: string; perPaidOrder: number }[];
}

export interface SystemCallsResult {
  /** Why the figure is missing (no strace), when it is. */
  skipped?: string;
  users: number;
  measuredS: number;
  paid: number;
  /** Paid orders/s with strace attached, which slows every traced process: not the system's throughput. */
  paidPerSecondUnderStrace: number;
  errors: PhaseErrors;
  /** By process name (gateway, auth, …, postgres: the postmaster and all its children). */
  byProcess: Record<string, ProcessSystemCalls>;
  /** TCP segments sent in the machine's network namespace (nstat), per paid order; absent without nstat. */
  tcpSegmentsPerPaidOrder?: number;
}

function perPaidOrder(counts: SyscallCounts, paid: number): ProcessSystemCalls {
  const per = (n: number) => (paid === 0 ? 0 : n / paid);
  const calls = counts.total ?? 0;
  const writes = WRITE_CALLS.reduce((sum, name) => sum + (counts[name] ?? 0), 0);
  const top = Object.entries(counts)
    .filter(([name]) => name !== 'total')
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_CALLS)
    .map(([name, n]) => ({ name, perPaidOrder: per(n) }));
  return { calls, writes, callsPerPaidOrder: per(calls), writesPerPaidOrder: per(writes), top };
}

/**
 * Phase 2b: the saturation's closed loop again for a short window with `strace -c -f` on every
 * service process and on PostgreSQL's process tree at once, and the system calls each made divided
 * by the orders paid in the window. strace slows what it traces, which changes the throughput but
 * not what one paid order costs in calls. The window opens once every strace has attached and
 * closes as they are interrupted.
 */
export async function runSystemCallsPhase(
  client: GatewayClient,
  users: BenchUser[],
  options: { windowS: number; pids: Record<string, number | undefined>; postmasterPid: number | null },
): Promise<SystemCallsResult> {
  const empty = { users: users.length, measuredS: 0, paid: 0, paidPerSecondUnderStrace: 0, errors: { total: 0, byKind: {} }, byProcess: {} };
  if (!(await ensureDebianProgram('strace', 'strace'))) return { ...empty, skipped: 'strace is missing and could not be installed' };

  const groups = Object.entries(options.pids).flatMap(([name, pid]) => (pid === undefined ? [] : [{ name, pids: [pid] }]));
  // Its live backends and helpers by pid; with -f, the backends it forks meanwhile as well.
  if (options.postmasterPid !== null) groups.push({ name: 'postgres', pids: [options.postmasterPid, ...findChildPids(options.postmasterPid)] });

  const startedAt = performance.now();
  const recorder = createFlowRecorder(startedAt);
  let openedAt = Number.POSITIVE_INFINITY;
  let closedAt = Number.POSITIVE_INFINITY;
  const isOpen = (at: number) => at >= openedAt && at <= closedAt;
  let isRunning = true;
  const progress = startProgress('system calls', (index, now) => {
    const stage = now < openedAt ? 'attaching' : 'counting';
    return `${stage}  ${formatRate(recorder.timeline.second(index).paid)} paid/s under strace  errors ${recorder.errors.total}`;
  });
  const loops = users.map(async (user) => {
    while (isRunning) recorder.add(await client.runCycle(user), isOpen);
  });

  let counts: SyscallCounts[] = [];
  let segments: [number | null, number | null] = [null, null];
  try {
    await sleep(RAMP_MS);
    const straces = await Promise.all(groups.map((group) => startStraceCount(group.pids)));
    try {
      // Where ptrace is not allowed (a container without CAP_SYS_PTRACE) the figure is left out, not the run.
      const attachFailure = await Promise.all(straces.map((strace) => strace.attached)).then(
        () => undefined,
        (error: unknown) => (error as Error).message,
      );
      if (attachFailure !== undefined) return { ...empty, skipped: attachFailure };
      const segmentsBefore = await readTcpSegmentsSent();
      openedAt = performance.now();
      await sleep(options.windowS * 1000);
      closedAt = performance.now();
      segments = [segmentsBefore, await readTcpSegmentsSent()];
    } finally {
      counts = await Promise.all(straces.map((strace) => strace.stop()));
    }
  } finally {
    isRunning = false;
    await Promise.all(loops);
    progress.stop();
  }

  const { paid } = recorder.totals;
  const measuredS = (closedAt - openedAt) / 1000;
  const [before, after] = segments;
  return {
    users: users.length,
    measuredS,
    paid,
    paidPerSecondUnderStrace: paid / measuredS,
    errors: { total: recorder.errors.total, byKind: recorder.errors.byKind() },
    byProcess: Object.fromEntries(groups.map((group, i) => [group.name, perPaidOrder(counts[i]!, paid)])),
    ...(before === null || after === null || paid === 0 ? {} : { tcpSegmentsPerPaidOrder: (after - before) / paid }),
  };
}

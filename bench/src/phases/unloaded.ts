import { performance } from 'node:perf_hooks';
import { createFlowRecorder, type FlowPhaseResult } from '../flow-recorder.js';
import type { BenchUser, GatewayClient } from '../gateway-client.js';
import { formatRate, startProgress } from '../progress.js';

/**
 * Phase 1: one user, one cycle at a time, nothing else running: the latency of each step when
 * nothing queues. The first cycles (JIT, connection set-up) are run but not counted.
 */
export async function runUnloadedPhase(client: GatewayClient, user: BenchUser, cycles: number, warmupCycles: number): Promise<FlowPhaseResult> {
  const startedAt = performance.now();
  const recorder = createFlowRecorder(startedAt);
  let measuredFrom = Number.POSITIVE_INFINITY;
  const isMeasured = (at: number) => at >= measuredFrom;
  let done = 0;
  const progress = startProgress('unloaded', (index) => {
    const second = recorder.timeline.second(index);
    return `${done}/${cycles} cycles  ${formatRate(second.paid)} paid/s  errors ${recorder.errors.total}`;
  });
  try {
    for (let i = 0; i < warmupCycles; i++) recorder.add(await client.runCycle(user), () => false);
    measuredFrom = performance.now();
    for (; done < cycles; done++) recorder.add(await client.runCycle(user), isMeasured);
  } finally {
    progress.stop();
  }
  const measuredS = (performance.now() - measuredFrom) / 1000;
  return {
    phase: 'unloaded',
    users: 1,
    warmupS: (measuredFrom - startedAt) / 1000,
    measuredS,
    ...recorder.totals,
    errors: { total: recorder.errors.total, byKind: recorder.errors.byKind() },
    paidPerSecond: recorder.totals.paid / measuredS,
    requestsPerSecond: recorder.totals.requests / measuredS,
    latencyFromSend: recorder.latencyFromSend(),
    timeline: recorder.timeline.seconds(performance.now()),
  };
}

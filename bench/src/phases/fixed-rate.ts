import { performance } from 'node:perf_hooks';
import { createFlowRecorder, summariseFlowPhase, type FlowPhaseResult } from '../flow-recorder.js';
import type { BenchUser, GatewayClient } from '../gateway-client.js';
import { createLatencyRecorder } from '../latency.js';
import { createMeasurementWindow, type Probes } from '../measurement-window.js';
import { formatRate, sleep, startProgress } from '../progress.js';

/** Long enough for any answer the client would still wait for (its own timeouts are 30 s). */
const DRAIN_TIMEOUT_MS = 35_000;

/**
 * Phase 3: an open loop. Cycle i is due at start + i / rate and starts then, whether or not earlier
 * cycles have finished, as independent users would. Latency is counted from that due time as well as
 * from the send, so a stall that delays the following cycles shows in them (no coordinated omission).
 * Cycles due during the measured stretch are the measured ones, however late they finish.
 * At most `maxOutstanding` cycles run at once; a cycle due beyond that is dropped and counted as an error.
 */
export async function runFixedRatePhase(
  client: GatewayClient,
  users: BenchUser[],
  options: { rate: number; warmupS: number; durationS: number; maxOutstanding: number },
  probes: Probes,
): Promise<FlowPhaseResult> {
  const startedAt = performance.now();
  const recorder = createFlowRecorder(startedAt);
  const startLag = createLatencyRecorder();
  const window = createMeasurementWindow(probes);
  const intervalMs = 1000 / options.rate;
  const measuredFrom = startedAt + options.warmupS * 1000;
  const endsAt = measuredFrom + options.durationS * 1000;
  const outstanding = new Set<Promise<void>>();
  const progress = startProgress('fixed rate', (index, now) => {
    const second = recorder.timeline.second(index);
    const stage = now < measuredFrom ? 'warmup' : now < endsAt ? 'measuring' : 'draining';
    return `${stage}  ${formatRate(second.paid)} paid/s of ${formatRate(options.rate)} due  in flight ${outstanding.size}  errors ${recorder.errors.total}`;
  });

  const launch = (index: number, dueAt: number) => {
    const isMeasured = dueAt >= measuredFrom;
    if (outstanding.size >= options.maxOutstanding) {
      recorder.addError(`dropped: ${options.maxOutstanding} cycles already in flight`, dueAt);
      return;
    }
    if (isMeasured) startLag.record('start', performance.now() - dueAt);
    const cycle = client
      .runCycle(users[index % users.length]!)
      .then((result) => recorder.add(result, () => isMeasured, dueAt))
      .finally(() => outstanding.delete(cycle));
    outstanding.add(cycle);
  };

  let reading;
  try {
    let index = 0;
    let isWindowOpen = false;
    for (;;) {
      const now = performance.now();
      if (!isWindowOpen && now >= measuredFrom) {
        isWindowOpen = true;
        await window.open();
      }
      for (let dueAt = startedAt + index * intervalMs; dueAt <= now && dueAt < endsAt; dueAt = startedAt + index * intervalMs) launch(index++, dueAt);
      const nextDue = startedAt + index * intervalMs;
      if (nextDue >= endsAt) break;
      await sleep(Math.min(nextDue, isWindowOpen ? nextDue : measuredFrom) - performance.now());
    }
    if (!isWindowOpen) await window.open();
    await sleep(endsAt - performance.now());
    reading = await window.close();
    let timer: NodeJS.Timeout | undefined;
    const isDrained = await Promise.race([
      Promise.all(outstanding).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!isDrained) {
      for (let i = 0; i < outstanding.size; i++) recorder.addError(`unfinished ${DRAIN_TIMEOUT_MS / 1000} s after the end`, performance.now());
    }
  } finally {
    progress.stop();
  }

  return {
    ...summariseFlowPhase('fixed-rate', users.length, options.warmupS, recorder, reading),
    rate: options.rate,
    latencyFromSchedule: recorder.latencyFromSchedule(),
    startLag: startLag.summary().start ?? { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 },
  };
}

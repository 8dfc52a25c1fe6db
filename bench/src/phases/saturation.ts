import { performance } from 'node:perf_hooks';
import { createFlowRecorder, summariseFlowPhase, type FlowPhaseResult } from '../flow-recorder.js';
import type { BenchUser, GatewayClient } from '../gateway-client.js';
import { createMeasurementWindow, type Probes } from '../measurement-window.js';
import { formatRate, startProgress } from '../progress.js';

/**
 * Phase 2: a closed loop, every user repeating the cycle as fast as answers come back. Throughput is
 * the point here; its latencies are throughput in disguise (users ÷ throughput) and are shown only
 * to see which step takes the time.
 */
export async function runSaturationPhase(
  client: GatewayClient,
  users: BenchUser[],
  timing: { warmupS: number; durationS: number },
  probes: Probes,
): Promise<FlowPhaseResult> {
  const startedAt = performance.now();
  const recorder = createFlowRecorder(startedAt);
  const window = createMeasurementWindow(probes);
  let isRunning = true;
  const progress = startProgress('saturation', (index, now) => {
    const second = recorder.timeline.second(index);
    const stage = now < window.openedAt ? 'warmup' : 'measuring';
    return `${stage}  ${formatRate(second.paid)} paid/s  ${formatRate(second.requests)} req/s  errors ${recorder.errors.total}`;
  });

  const loops = users.map(async (user) => {
    while (isRunning) recorder.add(await client.runCycle(user), window.isOpen);
  });
  let reading;
  try {
    reading = await window.measure(timing);
  } finally {
    isRunning = false;
    await Promise.all(loops);
    progress.stop();
  }

  return summariseFlowPhase('saturation', users.length, timing.warmupS, recorder, reading);
}

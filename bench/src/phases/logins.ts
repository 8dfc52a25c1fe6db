import { performance } from 'node:perf_hooks';
import type { BenchUser, GatewayClient } from '../gateway-client.js';
import { RequestFailed } from '../gateway-client.js';
import { createErrorCounter, createLatencyRecorder, createTimeline, type Percentiles, type TimelineSecond } from '../latency.js';
import type { PhaseErrors } from '../flow-recorder.js';
import { formatRate, sleep, startProgress } from '../progress.js';

export interface LoginsPhaseResult {
  phase: 'logins';
  clients: number;
  measuredS: number;
  logins: number;
  loginsPerSecond: number;
  errors: PhaseErrors;
  latency: Percentiles;
  /** `paid` holds logins here, so one chart draws every phase's throughput. */
  timeline: TimelineSecond[];
}

/**
 * Phase 4: logins, apart from the order flow because each one verifies an argon2id hash on purpose
 * (about 20 ms of CPU). A few clients in a closed loop, each logging its own user in again and again.
 */
export async function runLoginsPhase(client: GatewayClient, users: BenchUser[], durationS: number): Promise<LoginsPhaseResult> {
  const startedAt = performance.now();
  const endsAt = startedAt + durationS * 1000;
  const timeline = createTimeline(startedAt);
  const errors = createErrorCounter();
  const latency = createLatencyRecorder();
  let logins = 0;
  const progress = startProgress('logins', (second) => `${formatRate(timeline.second(second).paid)} logins/s  errors ${errors.total}`);

  const loops = users.map(async (user) => {
    while (performance.now() < endsAt) {
      const sentAt = performance.now();
      try {
        await client.logIn(user.login, user.password);
        const endedAt = performance.now();
        latency.record('login', endedAt - sentAt);
        timeline.count('paid', endedAt);
        timeline.count('requests', endedAt);
        logins++;
      } catch (error) {
        if (!(error instanceof RequestFailed)) throw error;
        errors.add(error.message);
        timeline.count('errors', performance.now());
        // Do not spin on a refusing server (a 429 would only get worse).
        await sleep(10);
      }
    }
  });
  try {
    await Promise.all(loops);
  } finally {
    progress.stop();
  }
  const measuredS = (performance.now() - startedAt) / 1000;
  return {
    phase: 'logins',
    clients: users.length,
    measuredS,
    logins,
    loginsPerSecond: logins / measuredS,
    errors: { total: errors.total, byKind: errors.byKind() },
    latency: latency.summary().login ?? { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 },
    timeline: timeline.seconds(performance.now()),
  };
}

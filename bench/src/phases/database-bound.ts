import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { perPaidOrder, type CommitsPerOrder, type CpuPerOrder, type PhaseErrors } from '../flow-recorder.js';
import { createErrorCounter, createLatencyRecorder, createTimeline, type Percentiles, type TimelineSecond } from '../latency.js';
import { createMeasurementWindow, type Probes } from '../measurement-window.js';
import { closeFlow, connectDeliveredMarks, connectFlow, createFlowUser, runFlowCycle, type DatabaseUrls } from '../order-flow-sql.js';
import { formatRate, sleep, startProgress } from '../progress.js';

export interface DatabaseBoundResult {
  phase: 'database-bound';
  /** Concurrent cycles; each holds one connection per service database and uses one at a time. */
  connections: number;
  warmupS: number;
  measuredS: number;
  paid: number;
  paidPerSecond: number;
  errors: PhaseErrors;
  /** One cycle's SQL, end to end. */
  cycleLatency: Percentiles;
  /** `paid` per second; `requests` counts statements' cycles too, for one chart of every phase. */
  timeline: TimelineSecond[];
  cpu: CpuPerOrder;
  commits?: CommitsPerOrder;
}

/**
 * Phase 5: the SQL of each paid order (order-flow-sql.ts) straight to PostgreSQL from `connections`
 * concurrent loops, on the system's own databases with users of its own: what the database alone
 * can do for this flow on this machine, the bound the system is measured against.
 */
export async function runDatabaseBoundPhase(
  urls: DatabaseUrls,
  options: { connections: number; warmupS: number; durationS: number },
  probes: Probes,
): Promise<DatabaseBoundResult> {
  const prefix = `bound_${randomBytes(3).toString('hex')}`;
  const workers = await Promise.all(
    Array.from({ length: options.connections }, async (_, index) => {
      const db = await connectFlow(urls);
      return { db, user: await createFlowUser(db, `${prefix}_${index}`) };
    }),
  );

  const startedAt = performance.now();
  const timeline = createTimeline(startedAt);
  const errors = createErrorCounter();
  const deliveredMarks = await connectDeliveredMarks(urls.order, (error) => errors.add(`bound: delivered marks: ${(error as Error).message}`));
  const latency = createLatencyRecorder();
  const window = createMeasurementWindow(probes);
  let paid = 0;
  let isRunning = true;
  const progress = startProgress('database bound', (second, now) => {
    const stage = now < window.openedAt ? 'warmup' : 'measuring';
    return `${stage}  ${formatRate(timeline.second(second).paid)} paid/s  errors ${errors.total}`;
  });

  const loops = workers.map(async ({ db, user }) => {
    while (isRunning) {
      const sentAt = performance.now();
      try {
        await runFlowCycle(db, user, deliveredMarks.marks);
      } catch (error) {
        errors.add(`bound: ${(error as Error).message}`);
        timeline.count('errors', performance.now());
        await sleep(10);
        continue;
      }
      const endedAt = performance.now();
      timeline.count('paid', endedAt);
      if (window.isOpen(endedAt)) {
        paid++;
        latency.record('cycle', endedAt - sentAt);
      }
    }
  });
  let reading;
  try {
    reading = await window.measure(options);
  } finally {
    isRunning = false;
    await Promise.all(loops);
    progress.stop();
    await Promise.all([...workers.map(({ db }) => closeFlow(db)), deliveredMarks.close()]);
  }

  return {
    phase: 'database-bound',
    connections: options.connections,
    warmupS: options.warmupS,
    measuredS: reading.measuredS,
    paid,
    paidPerSecond: paid / reading.measuredS,
    errors: { total: errors.total, byKind: errors.byKind() },
    cycleLatency: latency.summary().cycle ?? { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 },
    timeline: timeline.seconds(performance.now()),
    cpu: perPaidOrder(reading.cpu, paid),
    ...(reading.commits === null ? {} : { commits: { commits: reading.commits, perPaidOrder: paid === 0 ? 0 : reading.commits / paid } }),
  };
}

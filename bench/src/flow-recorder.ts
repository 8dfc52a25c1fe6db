import { performance } from 'node:perf_hooks';
import type { CpuUsage } from './cpu.js';
import type { WindowReading } from './measurement-window.js';
import type { CycleResult } from './gateway-client.js';
import { createErrorCounter, createLatencyRecorder, createTimeline, type Percentiles, type TimelineSecond } from './latency.js';

export interface CpuPerOrder extends CpuUsage {
  /** CPU ms per paid order by process; null where the process could not be measured. */
  msPerPaidOrder: Record<string, number | null>;
}

export interface CommitsPerOrder {
  commits: number;
  perPaidOrder: number;
}

export interface PhaseErrors {
  /** Over the whole phase, warmup and drain included: an error is an error whenever it happens. */
  total: number;
  byKind: Record<string, number>;
}

/** What a phase of the order flow measured. Latencies in ms, keyed by step and "cycle". */
export interface FlowPhaseResult {
  phase: 'unloaded' | 'saturation' | 'fixed-rate';
  users: number;
  /** Scheduled cycles per second (fixed rate only). */
  rate?: number;
  warmupS: number;
  measuredS: number;
  cycles: number;
  paid: number;
  /** Payments billing refused: an outcome, not an error. */
  declined: number;
  requests: number;
  errors: PhaseErrors;
  paidPerSecond: number;
  requestsPerSecond: number;
  latencyFromSend: Record<string, Percentiles>;
  /** Fixed rate only: as if each cycle had started on schedule (no coordinated omission). */
  latencyFromSchedule?: Record<string, Percentiles>;
  /** Fixed rate only: how late the load generator started cycles. */
  startLag?: Percentiles;
  timeline: TimelineSecond[];
  cpu?: CpuPerOrder;
  commits?: CommitsPerOrder;
}

/**
 * Collects cycles of the order flow: every cycle feeds the timeline and the error counts; only the
 * measured part of each (decided by `isMeasured` on a completion time) feeds latencies and totals.
 */
export function createFlowRecorder(startedAt: number) {
  const timeline = createTimeline(startedAt);
  const errors = createErrorCounter();
  const fromSend = createLatencyRecorder();
  const fromSchedule = createLatencyRecorder();
  const totals = { cycles: 0, paid: 0, declined: 0, requests: 0 };

  return {
    timeline,
    errors,
    totals,
    add(result: CycleResult, isMeasured: (at: number) => boolean, scheduledAt?: number): void {
      const first = result.steps[0];
      const last = result.steps.at(-1);
      const endedAt = last?.endedAt ?? performance.now();
      for (const step of result.steps) {
        timeline.count('requests', step.endedAt);
        if (isMeasured(step.endedAt)) {
          totals.requests++;
          if (step.ok) fromSend.record(step.step, step.endedAt - step.sentAt);
        }
      }
      if (result.outcome === 'error') {
        errors.add(result.error ?? 'unknown error');
        timeline.count('errors', endedAt);
        return;
      }
      const pay = result.steps.find((step) => step.step === 'pay')!;
      if (result.outcome === 'paid') timeline.count('paid', pay.endedAt);
      if (isMeasured(pay.endedAt)) totals[result.outcome]++;
      if (!isMeasured(endedAt)) return;
      totals.cycles++;
      fromSend.record('cycle', endedAt - first!.sentAt);
      if (scheduledAt === undefined) return;
      // Each step is charged as if the cycle had started on time: its latency plus every delay that
      // came before it (the late start, and any gap between steps), never less than from the send.
      let intendedStart = scheduledAt;
      for (const step of result.steps) {
        fromSchedule.record(step.step, step.endedAt - intendedStart);
        intendedStart += step.endedAt - step.sentAt;
      }
      fromSchedule.record('cycle', endedAt - scheduledAt);
    },
    /** Counts an error that is not a cycle's, such as a cycle dropped before it began. */
    addError(kind: string, at: number): void {
      errors.add(kind);
      timeline.count('errors', at);
    },
    latencyFromSend: () => fromSend.summary(),
    latencyFromSchedule: () => fromSchedule.summary(),
  };
}
export type FlowRecorder = ReturnType<typeof createFlowRecorder>;

export function perPaidOrder(cpu: CpuUsage, paid: number): CpuPerOrder {
  const msPerPaidOrder = Object.fromEntries(Object.entries(cpu.cpuMs).map(([name, ms]) => [name, ms === null || paid === 0 ? null : ms / paid]));
  // Anything else that ran on the machine meanwhile (another build, a browser): it took cores from the system.
  const known = Object.values(cpu.cpuMs).reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
  msPerPaidOrder['other processes'] = paid === 0 ? null : Math.max(0, cpu.machineBusyMs - known) / paid;
  return { ...cpu, msPerPaidOrder };
}

/** The fields every flow phase reports, from its recorder and its measurement window. */
export function summariseFlowPhase(
  phase: FlowPhaseResult['phase'],
  users: number,
  warmupS: number,
  recorder: ReturnType<typeof createFlowRecorder>,
  reading: WindowReading,
): FlowPhaseResult {
  const { paid } = recorder.totals;
  return {
    phase,
    users,
    warmupS,
    measuredS: reading.measuredS,
    ...recorder.totals,
    errors: { total: recorder.errors.total, byKind: recorder.errors.byKind() },
    paidPerSecond: paid / reading.measuredS,
    requestsPerSecond: recorder.totals.requests / reading.measuredS,
    latencyFromSend: recorder.latencyFromSend(),
    timeline: recorder.timeline.seconds(performance.now()),
    cpu: perPaidOrder(reading.cpu, paid),
    ...(reading.commits === null ? {} : { commits: { commits: reading.commits, perPaidOrder: paid === 0 ? 0 : reading.commits / paid } }),
  };
}

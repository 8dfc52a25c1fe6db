export const STEPS = ['create', 'pay', 'balance', 'letters'] as const;
export type Step = (typeof STEPS)[number];

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentiles over every sample. A run keeps at most a few hundred thousand samples,
 * so sorting them all is exact and cheap; a histogram would only be needed for hours-long runs.
 */
export function summarise(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return { count: sorted.length, mean: sum / sorted.length, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

/** Latency samples in milliseconds, grouped by name (a step, or "cycle"). */
export function createLatencyRecorder() {
  const samples = new Map<string, number[]>();
  return {
    record(name: string, ms: number): void {
      let list = samples.get(name);
      if (list === undefined) samples.set(name, (list = []));
      list.push(ms);
    },
    summary(): Record<string, Percentiles> {
      return Object.fromEntries([...samples].map(([name, list]) => [name, summarise(list)]));
    },
  };
}
export type LatencyRecorder = ReturnType<typeof createLatencyRecorder>;

export interface TimelineSecond {
  second: number;
  paid: number;
  requests: number;
  errors: number;
}

/** Counts per whole second since the phase began: what the progress line and the chart show. */
export function createTimeline(startedAt: number) {
  const seconds: TimelineSecond[] = [];
  const bucket = (at: number) => {
    const second = Math.max(0, Math.floor((at - startedAt) / 1000));
    for (let s = seconds.length; s <= second; s++) seconds.push({ second: s, paid: 0, requests: 0, errors: 0 });
    return seconds[second]!;
  };
  return {
    startedAt,
    count(kind: 'paid' | 'requests' | 'errors', at: number, n = 1): void {
      bucket(at)[kind] += n;
    },
    second(second: number): TimelineSecond {
      return seconds[second] ?? { second, paid: 0, requests: 0, errors: 0 };
    },
    /** Whole seconds up to `endedAt`, empty ones included. */
    seconds(endedAt: number): TimelineSecond[] {
      bucket(endedAt - 1);
      return seconds.slice(0, Math.ceil((endedAt - startedAt) / 1000));
    },
  };
}
export type Timeline = ReturnType<typeof createTimeline>;

/** Error counts by kind ("HTTP 503 on pay", "dropped: too many cycles outstanding"). */
export function createErrorCounter() {
  const counts: Record<string, number> = {};
  return {
    add(kind: string, n = 1): void {
      counts[kind] = (counts[kind] ?? 0) + n;
    },
    get total(): number {
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    byKind(): Record<string, number> {
      return { ...counts };
    },
  };
}
export type ErrorCounter = ReturnType<typeof createErrorCounter>;

import { setTimeout as sleep } from 'node:timers/promises';
import { STEPS, type BenchUser, type CycleResult, type GatewayClient } from './client.js';
import type { SystemUnderTest, WindowReading } from './system-under-test.js';

export type Percentiles = ReturnType<typeof percentiles>;

export interface PhaseResult {
  users: number;
  measuredS: number;
  cycles: number;
  paid: number;
  /** Paid orders of the whole phase, warmup and drain included. */
  allPaid: number;
  /** Payments billing refused: an outcome, not an error. */
  declined: number;
  /** Over the whole phase, warmup and drain included, by message. */
  errors: Record<string, number>;
  paidPerSecond: number;
  requestsPerSecond: number;
  /** By step and "cycle", from each request's send. */
  latency: Record<string, Percentiles>;
  /** Fixed rate only: as if each cycle had started when it was due (no coordinated omission). */
  latencyFromSchedule?: Record<string, Percentiles>;
  /** Paid orders completed in each second of the window. */
  paidPerSecondTimeline: number[];
  window: WindowReading;
}

/** Nearest-rank percentiles of every sample. */
export function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted.at(-1) ?? 0, n: sorted.length };
}

function collect() {
  const cycles: { result: CycleResult; dueAt: number | undefined }[] = [];
  const errors: Record<string, number> = {};
  return {
    add(result: CycleResult, dueAt?: number) {
      if (result.error !== undefined) errors[result.error] = (errors[result.error] ?? 0) + 1;
      cycles.push({ result, dueAt });
    },
    addError: (message: string) => (errors[message] = (errors[message] ?? 0) + 1),
    /** Steps and pays count when they end inside the window; a fixed-rate cycle when it was due inside it. */
    summarise(users: number, window: WindowReading): PhaseResult {
      const openedAt = window.openedAt;
      const inside = (at: number) => at >= openedAt && at <= openedAt + window.seconds * 1000;
      const fromSend: Record<string, number[]> = {};
      const fromSchedule: Record<string, number[]> = {};
      const add = (into: Record<string, number[]>, key: string, ms: number) => (into[key] ??= []).push(ms);
      const timeline = Array.from({ length: Math.ceil(window.seconds) }, () => 0);
      let [requests, paid, declined, counted] = [0, 0, 0, 0];
      for (const { result, dueAt } of cycles) {
        const measuredSteps = result.steps.filter((step) => inside(step.endedAt));
        requests += measuredSteps.length;
        for (const step of measuredSteps) add(fromSend, step.step, step.endedAt - step.sentAt);
        const pay = result.steps.find((step) => step.step === 'pay');
        if (result.outcome === 'error' || pay === undefined) continue;
        if (inside(pay.endedAt)) {
          if (result.outcome === 'declined') declined++;
          else {
            paid++;
            timeline[Math.min(timeline.length - 1, Math.floor((pay.endedAt - openedAt) / 1000))]!++;
          }
        }
        const [first, last] = [result.steps[0]!, result.steps.at(-1)!];
        if (!(dueAt === undefined ? inside(last.endedAt) : inside(dueAt))) continue;
        counted++;
        add(fromSend, 'cycle', last.endedAt - first.sentAt);
        if (dueAt === undefined) continue;
        // Each step is charged with every delay since its cycle was due: a late start, gaps between steps.
        let intendedStart = dueAt;
        for (const step of result.steps) {
          add(fromSchedule, step.step, step.endedAt - intendedStart);
          intendedStart += step.endedAt - step.sentAt;
        }
        add(fromSchedule, 'cycle', last.endedAt - dueAt);
      }
      const summary = (into: Record<string, number[]>) => Object.fromEntries([...STEPS, 'cycle'].filter((key) => into[key] !== undefined).map((key) => [key, percentiles(into[key]!)]));
      return {
        users, measuredS: window.seconds, cycles: counted, paid, allPaid: cycles.filter((c) => c.result.outcome === 'paid').length, declined, errors,
        paidPerSecond: paid / window.seconds, requestsPerSecond: requests / window.seconds,
        latency: summary(fromSend), ...(cycles.some((c) => c.dueAt !== undefined) ? { latencyFromSchedule: summary(fromSchedule) } : {}),
        paidPerSecondTimeline: timeline, window,
      };
    },
  };
}

/** Every user cycling as fast as the system answers, for `warmupS` unmeasured then `durationS` measured. */
export async function runClosedLoop(client: GatewayClient, users: BenchUser[], timing: { warmupS: number; durationS: number }, sut: SystemUnderTest): Promise<PhaseResult> {
  const results = collect();
  let isRunning = true;
  const loops = users.map(async (user) => {
    while (isRunning) results.add(await client.runCycle(user));
  });
  await sleep(timing.warmupS * 1000);
  const close = await sut.openWindow();
  await sleep(timing.durationS * 1000);
  const window = await close();
  isRunning = false;
  await Promise.all(loops);
  return results.summarise(users.length, window);
}

/** One user, one cycle at a time: `warmupCycles` unmeasured, then `cycles` measured. */
export async function runUnloaded(client: GatewayClient, user: BenchUser, warmupCycles: number, cycles: number, sut: SystemUnderTest): Promise<PhaseResult> {
  for (let i = 0; i < warmupCycles; i++) await client.runCycle(user);
  const results = collect();
  const close = await sut.openWindow();
  for (let i = 0; i < cycles; i++) results.add(await client.runCycle(user));
  return results.summarise(1, await close());
}

/**
 * An open loop: cycle i is due at start + i / rate and starts then, whether or not earlier ones have
 * finished, as independent users would. At most `maxInFlight` at once; one due beyond that is
 * dropped and counted as an error.
 */
export async function runOpenLoop(client: GatewayClient, users: BenchUser[], options: { rate: number; warmupS: number; durationS: number; maxInFlight: number }, sut: SystemUnderTest): Promise<PhaseResult> {
  const results = collect();
  const inFlight = new Set<Promise<void>>();
  const startedAt = performance.now();
  const [openFrom, endAt] = [startedAt + options.warmupS * 1000, startedAt + (options.warmupS + options.durationS) * 1000];
  let close: (() => Promise<WindowReading>) | undefined;
  for (let index = 0; ; index++) {
    const dueAt = startedAt + (index * 1000) / options.rate;
    if (dueAt >= endAt) break;
    if (close === undefined && dueAt >= openFrom) close = await sut.openWindow();
    const wait = dueAt - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= options.maxInFlight) {
      results.addError(`dropped: ${options.maxInFlight} cycles already in flight`);
      continue;
    }
    const cycle = client.runCycle(users[index % users.length]!).then((result) => results.add(result, dueAt));
    inFlight.add(cycle);
    void cycle.finally(() => inFlight.delete(cycle));
  }
  close ??= await sut.openWindow();
  await sleep(Math.max(0, endAt - performance.now()));
  const window = await close();
  await Promise.all(inFlight);
  return results.summarise(users.length, window);
}

export type LoginsResult = Awaited<ReturnType<typeof runLogins>>;

/** Each user's client logging it in again and again for `durationS`: every login verifies an argon2id hash. */
export async function runLogins(client: GatewayClient, users: BenchUser[], durationS: number) {
  const samples: number[] = [];
  const errors: Record<string, number> = {};
  const startedAt = performance.now();
  await Promise.all(users.map(async (user) => {
    while (performance.now() < startedAt + durationS * 1000) {
      const login = await client.timeLogin(user);
      if ('ms' in login) samples.push(login.ms);
      else {
        errors[login.error] = (errors[login.error] ?? 0) + 1;
        // A refusing gateway answers at once: spinning on it would only take the CPU from the others.
        await sleep(10);
      }
    }
  }));
  const measuredS = (performance.now() - startedAt) / 1000;
  return { clients: users.length, measuredS, logins: samples.length, loginsPerSecond: samples.length / measuredS, latency: percentiles(samples), errors };
}

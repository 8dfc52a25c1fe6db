import { performance } from 'node:perf_hooks';
import type { CpuProbe, CpuUsage } from './cpu.js';
import { sleep } from './progress.js';

/** Where a phase reads the machine: CPU per process, and commits in the system's databases. */
export interface Probes {
  cpu: CpuProbe;
  /** Null when the commits cannot be read. */
  readCommits(): Promise<number | null>;
}

export interface WindowReading {
  measuredS: number;
  cpu: CpuUsage;
  commits: number | null;
}

/**
 * The measured stretch of a phase. `isOpen(t)` says whether a completion at `t` counts: from the
 * moment the window opens to the moment it closes, both taken while the load runs.
 */
export function createMeasurementWindow(probes: Probes) {
  let openedAt = Number.POSITIVE_INFINITY;
  let closedAt = Number.POSITIVE_INFINITY;
  let start: { cpu: ReturnType<CpuProbe['sample']>; commits: number | null } | undefined;
  const window = {
    isOpen: (at: number) => at >= openedAt && at <= closedAt,
    get openedAt() {
      return openedAt;
    },
    async open(): Promise<void> {
      openedAt = performance.now();
      start = { cpu: probes.cpu.sample(), commits: await probes.readCommits() };
    },
    async close(): Promise<WindowReading> {
      closedAt = performance.now();
      const cpu = probes.cpu.sample();
      const commits = await probes.readCommits();
      if (start === undefined) throw new Error('the measurement window was closed before it was opened');
      return {
        measuredS: (closedAt - openedAt) / 1000,
        cpu: probes.cpu.between(start.cpu, cpu),
        commits: commits === null || start.commits === null ? null : commits - start.commits,
      };
    },
    /** Waits out the warmup while the load runs, then opens the window for `durationS` seconds. */
    async measure(timing: { warmupS: number; durationS: number }): Promise<WindowReading> {
      await sleep(timing.warmupS * 1000);
      await window.open();
      await sleep(timing.durationS * 1000);
      return window.close();
    },
  };
  return window;
}

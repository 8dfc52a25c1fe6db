import { performance } from 'node:perf_hooks';

/**
 * Prints one line a second while a phase runs, so a long run shows it is alive and how it goes.
 * `describe` gets the number of the second that just ended (0 for the first), counted by ticks
 * rather than by the clock, which a timer may reach a hair early.
 */
export function startProgress(label: string, describe: (second: number, now: number) => string): { stop(): void } {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    console.log(`  ${label} ${String(ticks).padStart(3)} s  ${describe(ticks - 1, performance.now())}`);
  }, 1000);
  return { stop: () => clearInterval(timer) };
}

export function formatRate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

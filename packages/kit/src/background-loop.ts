import { isShuttingDown } from './run.js';

export interface BackgroundLoop {
  /** Schedules no further pass and resolves once the running one has ended. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs`, each to completion before the next is scheduled, so a slow pass
 * never overlaps itself. A pass that throws (the database is down, a peer is) is reported and the
 * loop goes on: the next pass tries again. `isStopping` lets a long pass end early.
 */
export function startBackgroundLoop(pass: (isStopping: () => boolean) => Promise<void>, options: { intervalMs: number; onError(error: unknown): void }): BackgroundLoop {
  let isStopping = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (isStopping) return;
    timer = setTimeout(() => {
      current = pass(() => isStopping)
        // A pass cut short by the shutdown (the database stopping with us) is no failure to report.
        .catch((error: unknown) => (isShuttingDown() ? undefined : options.onError(error)))
        .finally(schedule);
    }, options.intervalMs);
  };
  schedule();
  return {
    async stop() {
      isStopping = true;
      clearTimeout(timer);
      await current;
    },
  };
}

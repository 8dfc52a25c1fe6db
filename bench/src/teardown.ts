/**
 * What a run has started, to stop in reverse order exactly once: at the end, on an error, or on
 * Ctrl+C in the middle of booting, so no PostgreSQL or temporary folder outlives the bench.
 */
export function createTeardown() {
  const steps: (() => Promise<void>)[] = [];
  let running: Promise<void> | undefined;
  return {
    add(step: () => Promise<void>): void {
      steps.push(step);
    },
    run(): Promise<void> {
      running ??= (async () => {
        for (const step of steps.reverse()) await step().catch((error: unknown) => console.error('cleanup failed:', error));
      })();
      return running;
    },
  };
}
export type Teardown = ReturnType<typeof createTeardown>;

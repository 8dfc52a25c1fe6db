import { describeError } from '@orderflow/stack';

/** A step that failed: its name and why, which is what CI prints. */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`step "${step}" failed: ${describeError(cause)}`, { cause });
  }
}

/** Prints the step's name, runs it, prints how long it took; any error becomes a StepFailure naming it. */
export async function step<T>(name: string, action: () => Promise<T>): Promise<T> {
  console.log(`== images: ${name}`);
  const started = performance.now();
  try {
    const value = await action();
    console.log(`   ok (${seconds(performance.now() - started)} s)`);
    return value;
  } catch (error) {
    throw error instanceof StepFailure ? error : new StepFailure(name, error);
  }
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

/**
 * What a run has started, to be undone in reverse order whatever happens: each undo runs even if an
 * earlier one failed, and a failing undo is reported, never thrown over the run's own failure.
 */
export class Cleanup {
  private readonly undos: { what: string; undo: () => Promise<unknown> }[] = [];

  defer(what: string, undo: () => Promise<unknown>): void {
    this.undos.push({ what, undo });
  }

  /** Returns whether every undo succeeded. */
  async run(): Promise<boolean> {
    let isClean = true;
    for (const { what, undo } of this.undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        isClean = false;
        console.error(`test:images: cleaning up (${what}) failed: ${describeError(error)}`);
      }
    }
    return isClean;
  }
}

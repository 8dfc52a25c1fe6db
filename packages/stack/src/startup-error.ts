/**
 * A start-up problem the person at the terminal can fix: the message says why and what to do, so
 * it is printed alone, without a stack.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** The message of an error and of each of its causes, one per line. */
export function describeError(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error; current !== undefined && lines.length < 5; current = (current as { cause?: unknown }).cause) {
    lines.push(current instanceof Error ? current.message : String(current));
    if (!(current instanceof Error)) break;
  }
  return lines.join('\n  because: ');
}

/**
 * For the entry points (`npm start`, the test runner, the bench, the chaos runner): prints why the
 * process could not start, as `<name>: <message>`, and exits with 1. Only a StartupError is sure to
 * be the user's to fix; anything else is reported the same way, with its causes, since a stack
 * trace on a start-up problem helps nobody at the terminal.
 */
export function exitOnStartupError(name: string): (error: unknown) => never {
  return (error) => {
    console.error(`${name}: ${describeError(error)}`);
    process.exit(1);
  };
}

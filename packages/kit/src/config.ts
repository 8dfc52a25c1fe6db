import { Value } from 'typebox/value';
import type { TSchema, Static } from 'typebox';

/**
 * Reads the environment once, in main, against a schema with a default and a description for every
 * variable. A failure names every missing or bad variable at once rather than the first one.
 */
export function readConfig<T extends TSchema>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const candidate = Value.Convert(schema, Value.Default(schema, { ...env }));
  const errors = [...Value.Errors(schema, candidate)];
  if (errors.length > 0) {
    const lines = errors.map((error) => `  ${error.instancePath.replace(/^\//, '') || '(root)'}: ${error.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Value.Clean(schema, candidate) as Static<T>;
}

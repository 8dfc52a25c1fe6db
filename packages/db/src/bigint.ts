/**
 * PostgreSQL returns `bigint` as a string because it can exceed 2^53. Every id and amount here is
 * bounded far below that, so a store converts its rows deliberately and refuses anything that would
 * lose precision.
 */
export function parseBigint(value: string | number | bigint): number {
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint out of the safe range: ${String(value)}`);
  return parsed;
}

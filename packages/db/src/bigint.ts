/**
 * PostgreSQL returns `bigint` as a string because it can exceed 2^53. Every id and amount here is
 * bounded far below that, so createPool applies this to every `bigint` column: it arrives as a number,
 * and one that would lose precision fails the query instead of being rounded. A bare `pg.Client`
 * (withClient) still reads strings. Not exported from the package: the pool is the one place that
 * converts, so no store does it a second way.
 */
export function parseBigint(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint out of the safe range: ${value}`);
  return parsed;
}

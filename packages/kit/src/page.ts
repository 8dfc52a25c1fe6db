import { Type } from 'typebox';

/**
 * Lists answer the newest `limit` items (default 20, at most 100): enough for a screen, small enough
 * that a long-lived account does not make every read heavier.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const PageQuerySchema = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: `How many of the newest items, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` })),
});

export function readPageSize(query: { limit?: string }): number {
  return query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
}

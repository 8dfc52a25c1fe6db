import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { ID_PATTERN } from './identity.js';
import { badRequest, problemResponses, type Problem } from './problem.js';

/**
 * Lists answer the newest `limit` items (default 20, at most 100): enough for a screen, small enough
 * that a long-lived account does not make every read heavier. Older items are reached page by page
 * with the `before` cursor that the `Link: <…>; rel="next"` header of each page carries (RFC 8288).
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const PageQuerySchema = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: `How many items, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` })),
  before: Type.Optional(
    Type.String({ pattern: ID_PATTERN, description: 'Only items older than this one: the id of the last item of the previous page, as the Link header\'s rel="next" gives it' }),
  ),
});

/**
 * A list's 200 response: a JSON array, newest first, and the Link header when there is more (@fastify/swagger
 * documents `headers` of a response schema as response headers).
 */
export function PageSchema<T extends TSchema>(item: T) {
  return Type.Array(item, {
    headers: { link: { type: 'string', description: 'Present when older items remain: `<path?limit=N&before=id>; rel="next"` (RFC 8288)' } },
  });
}

/** The problem of a list route besides malformed input, for its schema. */
export const PAGE_PROBLEMS = problemResponses({ 400: ['page.unknown_cursor'] });

/** A page a client asked for: its size, and the item it continues after (one of the caller's own). */
export interface Page {
  size: number;
  before: number | undefined;
}

/**
 * What a store reads for a page, newest first, among the caller's rows only: those with `id <= throughId`
 * (all when null), at most `limit`. The cursor's own row comes first, which proves the cursor is one
 * of the caller's items without a second query; one row beyond the page says whether there is a next.
 */
export interface PageBounds {
  throughId: number | null;
  limit: number;
}

export function readPage(query: { limit?: string; before?: string }): Page {
  return { size: query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit), before: query.before === undefined ? undefined : Number(query.before) };
}

export function boundsOf(page: Page): PageBounds {
  return page.before === undefined ? { throughId: null, limit: page.size + 1 } : { throughId: page.before, limit: page.size + 2 };
}

/**
 * The page out of the rows read within `boundsOf(page)`, with `Link: <path?limit=N&before=id>; rel="next"`
 * when older items remain. The link is relative to the route's own path, which is the path the edge
 * serves, so it is right through the gateway and through nginx alike.
 */
export function replyWithPage<T extends { id: number }>(request: FastifyRequest, reply: FastifyReply, page: Page, rows: T[]): T[] {
  let items = rows;
  if (page.before !== undefined) {
    // Filtered by the caller first: an id of another user's row and an id of no row read the same.
    if (items[0]?.id !== page.before) throw unknownCursor(page.before);
    items = items.slice(1);
  }
  const hasMore = items.length > page.size;
  items = items.slice(0, page.size);
  const last = items.at(-1);
  if (hasMore && last !== undefined) reply.header('link', `<${request.routeOptions.url}?limit=${page.size}&before=${last.id}>; rel="next"`);
  return items;
}

function unknownCursor(before: number): Problem {
  return badRequest('page.unknown_cursor', `before=${before} is not one of your items: follow the Link header's rel="next" to page through a list.`);
}

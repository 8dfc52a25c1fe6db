import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withTransaction, type Pool, type PoolClient } from '@orderflow/db';
import { badRequest, conflict, Problem, problemResponses, startBackgroundLoop, toProblemDocument, unprocessable, type BackgroundLoop } from '@orderflow/kit';

/**
 * Idempotency keys with Stripe's semantics and the IETF `Idempotency-Key` draft's status codes:
 * - the first request with a key runs, and its response is stored in the same transaction as the
 *   change it made, so "done" and "remembered" can never disagree;
 * - a repeat with the same key and the same request gets the stored response again, marked
 *   `Idempotency-Replayed: true`, and changes nothing;
 * - the same key with a different request is a 422; a repeat while the first is still running is a 409;
 * - keys belong to one user, and are kept 48 hours (so a retry after a day-long outage still works).
 * A request that failed with a 5xx releases its key, so the client's retry can run it for real.
 */

/**
 * The migrations of the `idempotency_keys` table, which lives in the database of each service that
 * uses this package: the service migrates this folder with its own (see its src/migrations.ts).
 */
export const IDEMPOTENCY_MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const KEY_RETENTION_HOURS = 48;
/** A key whose request died with its process is taken over by a retry after this long. */
const STALE_LOCK_SECONDS = 30;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The header as a route's schema declares it, so the OpenAPI documents name it where it applies. Its
 * rule is readIdempotencyKey's, which answers a malformed key with its own code.
 */
export const IdempotencyKeyHeadersSchema = {
  type: 'object',
  properties: {
    'Idempotency-Key': {
      type: 'string',
      description:
        'Makes a retry safe: 1 to 255 visible ASCII characters (optionally in double quotes), kept 48 hours per user. A repeat of the same request replays the first response with `Idempotency-Replayed: true`; the same key with another request is a 422, and one still running a 409.',
    },
  },
} as const;

/** The problems of a route that takes the header, for its schema. */
export const IDEMPOTENCY_PROBLEMS = problemResponses({ 400: ['idempotency.invalid_key'], 409: ['idempotency.in_flight'], 422: ['idempotency.key_reused'] });

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** The Idempotency-Key header, if any; a malformed one is a 400. */
export function readIdempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  // The draft allows the key as a quoted string; accept both forms.
  const key = typeof raw === 'string' ? raw.replace(/^"(.*)"$/, '$1') : '';
  if (!KEY_PATTERN.test(key)) {
    throw badRequest('idempotency.invalid_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return key;
}

function fingerprintOf(request: FastifyRequest): Buffer {
  const route = request.routeOptions.url ?? request.url;
  return createHash('sha256')
    .update(`${request.method} ${route} ${JSON.stringify(request.params ?? {})} ${JSON.stringify(request.body ?? null)}`)
    .digest();
}

interface KeyRow {
  fingerprint: Buffer;
  completed_at: Date | null;
  response_status: number | null;
  response_body: unknown;
}

/**
 * Runs `work` at most once per (user, key) and answers the request: with `work`'s response the first
 * time, with the stored one afterwards. `work` gets the transaction in which its changes must be made.
 */
export async function respondIdempotently(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { db: Pool; userId: number; key: string },
  work: (client: PoolClient) => Promise<StoredResponse>,
): Promise<FastifyReply> {
  const { db, userId, key } = options;
  const fingerprint = fingerprintOf(request);

  const { rows: claimed } = await db.query<{ locked_at: string }>(
    `INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, locked_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (user_id, key) DO UPDATE SET locked_at = now()
       WHERE k.completed_at IS NULL AND k.fingerprint = excluded.fingerprint
         AND k.locked_at < now() - make_interval(secs => $4)
     RETURNING k.locked_at::text AS locked_at`,
    [userId, key, fingerprint, STALE_LOCK_SECONDS],
  );
  if (claimed.length === 0) return replayOrRefuse(reply, db, userId, key, fingerprint);
  const claim: Claim = { userId, key, lockedAt: claimed[0]!.locked_at };

  let response: StoredResponse;
  try {
    response = await withTransaction(db, async (client) => {
      const result = await work(client);
      await storeResponse(client, userId, key, result);
      return result;
    });
  } catch (error) {
    if (error instanceof Problem && error.status < 500) {
      // A refusal (not enough money, say) is an outcome: a retry must get the same answer.
      response = { status: error.status, body: toProblemDocument(error, request.url.split('?')[0], request.id) };
      await storeResponse(db, userId, key, response).catch(async (storeError: unknown) => {
        await releaseClaim(db, claim);
        throw storeError;
      });
      throw error;
    }
    await releaseClaim(db, claim);
    throw error;
  }
  return reply.status(response.status).send(response.body);
}

interface Claim {
  userId: number;
  key: string;
  /** Which claim (as text, to the microsecond): one a retry took over after STALE_LOCK_SECONDS is not ours to release. */
  lockedAt: string;
}

const RELEASE_RETRY_MS = 1_000;

/**
 * Frees the key of a request that failed, so the client's retry runs at once. When the database is
 * what failed, the release is retried each second until it is back (up to the stale-lock time, after
 * which a retry takes the key over anyway), so a blip does not answer retries 409 for half a minute.
 */
async function releaseClaim(db: Pool, claim: Claim): Promise<void> {
  await deleteClaim(db, claim).catch(() => retryRelease(db, claim, 1));
}

function retryRelease(db: Pool, claim: Claim, attempt: number): void {
  if (attempt * RELEASE_RETRY_MS >= STALE_LOCK_SECONDS * 1000) return;
  setTimeout(() => void deleteClaim(db, claim).catch(() => retryRelease(db, claim, attempt + 1)), RELEASE_RETRY_MS).unref();
}

async function deleteClaim(db: Pool, claim: Claim): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND completed_at IS NULL AND locked_at = $3::timestamptz', [claim.userId, claim.key, claim.lockedAt]);
}

async function storeResponse(client: Pick<Pool, 'query'>, userId: number, key: string, response: StoredResponse): Promise<void> {
  await client.query(
    `UPDATE idempotency_keys SET completed_at = now(), response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2`,
    [userId, key, response.status, JSON.stringify(response.body)],
  );
}

async function replayOrRefuse(reply: FastifyReply, db: Pool, userId: number, key: string, fingerprint: Buffer): Promise<FastifyReply> {
  const { rows } = await db.query<KeyRow>(
    'SELECT fingerprint, completed_at, response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [userId, key],
  );
  const row = rows[0];
  if (row === undefined) {
    // Released by a failed first attempt a moment ago: the client may simply retry.
    throw conflict('idempotency.in_flight', 'A request with this Idempotency-Key is being processed; retry shortly.');
  }
  if (!row.fingerprint.equals(fingerprint)) {
    throw unprocessable('idempotency.key_reused', 'This Idempotency-Key was used with a different request.');
  }
  if (row.completed_at === null || row.response_status === null) {
    throw conflict('idempotency.in_flight', 'A request with this Idempotency-Key is being processed; retry shortly.');
  }
  const isProblem = row.response_status >= 400;
  return reply
    .status(row.response_status)
    .header('idempotency-replayed', 'true')
    .type(isProblem ? 'application/problem+json' : 'application/json')
    .send(row.response_body);
}

/**
 * Deletes keys past retention every ten minutes (tests: `intervalMs`) while the app runs: the loop starts when the app is
 * ready and stops as it closes, before main ends the pool.
 */
export function purgeKeysWhileRunning(app: FastifyInstance, db: Pool, intervalMs = 10 * 60_000): void {
  let loop: BackgroundLoop | undefined;
  app.addHook('onReady', async () => {
    loop = startBackgroundLoop(
      async () => void (await db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [KEY_RETENTION_HOURS])),
      { intervalMs, onError: (err) => app.log.warn({ err }, 'idempotency key purge failed') },
    );
  });
  app.addHook('onClose', async () => loop?.stop());
}

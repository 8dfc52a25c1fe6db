import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedCall } from '@orderflow/kit/testing';
import { crashPostgres, startScratchPostgres, type EmbeddedPostgresHandle } from '@orderflow/stack';
import { startWorkers } from '../src/domain/workers.js';
import { createOrderFor, newCustomer, readOutbox, startOrder, type OrderTestContext } from './helper.js';

/** Well under the gateway's and the clients' timeouts. */
const PROMPT_MS = 2_000;

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('order while its PostgreSQL crashes and comes back', () => {
  let postgres: EmbeddedPostgresHandle;
  let context: OrderTestContext;
  before(async () => {
    // A server of this file's own: the crash touches no other test.
    postgres = await startScratchPostgres('order-crash');
    process.env.TEST_DATABASE_URL = postgres.adminUrl;
    context = await startOrder();
  });
  after(async () => {
    await context?.close();
    await postgres?.stop();
  });

  test('while it is down requests answer 503 with Retry-After and readiness is false; after, the same app serves and its loops finish what was left', async () => {
    const { headers } = await newCustomer();
    // Left for the loops: a letter notification did not take, and a pay whose billing answer was lost.
    const undelivered = await createOrderFor(context, headers, 10);
    context.notification.respondWith(() => ({ status: 503 }));
    assert.equal((await context.app.inject({ method: 'PUT', url: `/order/${undelivered}/pay`, headers })).json().status, 'processing');
    await context.database.pool.query('UPDATE outbox SET next_attempt_at = now() WHERE order_id = $1', [undelivered]);
    const unsettled = await createOrderFor(context, headers, 10);
    context.billing.respondWith((call: RecordedCall) => {
      context.fakeBilling.handle(call);
      return { status: 503 };
    });
    assert.equal((await context.app.inject({ method: 'PUT', url: `/order/${unsettled}/pay`, headers })).statusCode, 503);
    context.billing.respondWith(context.fakeBilling.handle);

    // A create that has claimed its Idempotency-Key and waits on a lock when the database goes.
    const blocker = await context.database.pool.connect();
    blocker.on('error', () => {});
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE orders IN EXCLUSIVE MODE');
    const claimedBeforeTheCrash = context.app.inject({ method: 'POST', url: '/order', headers: { ...headers, 'idempotency-key': 'claimed-before-the-crash' }, payload: { price: 10 } });
    await waitFor('the create to claim its key', async () => (await context.database.pool.query(`SELECT 1 FROM idempotency_keys WHERE key = 'claimed-before-the-crash'`)).rowCount === 1);

    const crashed = await crashPostgres(postgres.adminUrl);
    blocker.release(true);
    assert.equal((await claimedBeforeTheCrash).statusCode, 503);
    const warnings: string[] = [];
    const workers = startWorkers({ ...context.deps, log: { ...context.deps.log, warn: (_fields: object, message: string) => void warnings.push(message) } }, { intervalMs: 100, recoverAfterMs: 0 });
    try {
      for (const request of [
        { method: 'GET', url: `/order/${undelivered}`, headers },
        { method: 'POST', url: '/order', headers: { ...headers, 'idempotency-key': 'during-the-outage' }, payload: { price: 10 } },
        { method: 'PUT', url: `/order/${unsettled}/pay`, headers },
      ] as const) {
        const started = performance.now();
        const response = await context.app.inject(request);
        const ms = performance.now() - started;
        assert.equal(response.statusCode, 503, `${request.method} ${request.url}: ${response.body}`);
        assert.equal(response.json().code, 'database.unavailable');
        assert.ok(Number(response.headers['retry-after']) > 0);
        assert.ok(ms < PROMPT_MS, `${request.method} ${request.url} answered in ${Math.round(ms)} ms`);
      }
      const started = performance.now();
      assert.equal((await context.app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503);
      assert.ok(performance.now() - started < 1_000);
      assert.equal((await context.app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
      await waitFor('the loops to meet the outage', async () => warnings.length >= 2);

      context.notification.respondWith(() => ({ status: 201, body: {} }));
      await crashed.restart();

      await waitFor('readiness again', async () => (await context.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200);
      await waitFor('the recovery loop to settle the lost pay', async () => (await context.app.inject({ method: 'GET', url: `/order/${unsettled}`, headers })).json().status === 'processing');
      await waitFor('the letter loop and the delivered marks to deliver the left letter', async () => (await readOutbox(context, undelivered)).every((letter) => letter.delivered_at !== null));
    } finally {
      await workers.stop();
    }
    assert.equal(context.fakeBilling.decisions.get(unsettled)?.status, 'succeeded');
    // Its key is released within a few seconds of the database's return, not half a minute later by the stale-lock rule.
    const retryClaimed = () => context.app.inject({ method: 'POST', url: '/order', headers: { ...headers, 'idempotency-key': 'claimed-before-the-crash' }, payload: { price: 10 } });
    await waitFor('the retry of the create that was cut off to run', async () => (await retryClaimed()).statusCode === 200, 5_000);
    const created = await context.app.inject({ method: 'POST', url: '/order', headers: { ...headers, 'idempotency-key': 'during-the-outage' }, payload: { price: 10 } });
    assert.equal(created.statusCode, 200, 'the key tried during the outage is not stuck in flight');
    const paid = await context.app.inject({ method: 'PUT', url: `/order/${created.json().id}/pay`, headers });
    assert.equal(paid.json().status, 'processing');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOrderFor, newCustomer, readOutbox, startOrder, type OrderTestContext } from './helper.js';
import { createPool } from '@orderflow/db';
import { createDeliveredMarks } from '../src/store/delivered-marks.js';

describe('delivered marks', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  /** A paid order's outbox row, as pay leaves it; then unmarked again, so the test marks it itself. */
  async function undeliveredLetter(): Promise<{ orderId: number; outboxId: number }> {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers);
    assert.equal((await context.app.inject({ method: 'PUT', url: `/order/${orderId}/pay`, headers })).statusCode, 200);
    await context.deps.deliveredMarks.flush();
    const { rows } = await context.database.pool.query<{ id: string }>('UPDATE outbox SET delivered_at = NULL WHERE order_id = $1 RETURNING id', [orderId]);
    return { orderId, outboxId: Number(rows[0]!.id) };
  }

  test('marks queued within the delay are written by one statement, each letter once', async () => {
    const letters = [await undeliveredLetter(), await undeliveredLetter(), await undeliveredLetter()];
    const batches: number[] = [];
    const marks = createDeliveredMarks(context.database.pool, { delayMs: 60_000, onMarked: (count) => batches.push(count), onError: (error) => assert.fail(error as Error) });

    for (const { outboxId } of letters) marks.add(outboxId);
    marks.add(letters[0]!.outboxId); // delivered twice: by the request and by the loop
    assert.deepEqual(batches, [], 'nothing is written before the delay or a flush');
    for (const { orderId } of letters) assert.equal((await readOutbox(context, orderId))[0]!.delivered_at, null);

    await marks.flush();

    assert.deepEqual(batches, [3]);
    for (const { orderId } of letters) assert.notEqual((await readOutbox(context, orderId))[0]!.delivered_at, null);
  });

  test('a queued mark is written when its delay runs out, without a flush', async () => {
    const { orderId, outboxId } = await undeliveredLetter();
    const batches: number[] = [];
    const marks = createDeliveredMarks(context.database.pool, { delayMs: 20, onMarked: (count) => batches.push(count), onError: (error) => assert.fail(error as Error) });

    marks.add(outboxId);
    for (let attempt = 0; attempt < 50 && batches.length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));

    assert.deepEqual(batches, [1]);
    assert.notEqual((await readOutbox(context, orderId))[0]!.delivered_at, null);
  });

  test('a full batch is written at once', async () => {
    const letters = [await undeliveredLetter(), await undeliveredLetter()];
    const batches: number[] = [];
    const marks = createDeliveredMarks(context.database.pool, { delayMs: 60_000, maxBatch: 2, onMarked: (count) => batches.push(count), onError: (error) => assert.fail(error as Error) });

    for (const { outboxId } of letters) marks.add(outboxId);
    await marks.flush(); // resolves after the batch already under way

    assert.deepEqual(batches, [2]);
  });

  test('a failed batch is reported with its ids and the letters stay undelivered for the loop', async () => {
    const { orderId, outboxId } = await undeliveredLetter();
    const failures: number[][] = [];
    const closedPool = createPool(context.database.url, { max: 1 });
    await closedPool.end(); // every statement on it fails, as on a lost connection
    const marks = createDeliveredMarks(closedPool, { delayMs: 60_000, onMarked: () => assert.fail('nothing can be marked'), onError: (_error, ids) => failures.push(ids) });

    marks.add(outboxId);
    await marks.flush();

    assert.deepEqual(failures, [[outboxId]]);
    assert.equal((await readOutbox(context, orderId))[0]!.delivered_at, null);
  });
});

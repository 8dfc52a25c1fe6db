import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedCall } from '@orderflow/kit/testing';
import { createOrderFor, newCustomer, readOutbox, startOrder, type OrderTestContext } from './helper.js';
import { recoverUnsettledOrders } from '../src/domain/recover-unsettled-orders.js';

/**
 * A pay whose billing answer is lost is indeterminate to order: billing may have charged or declined.
 * The recovery loop and the client's retry both ask billing again with the same key (the order id)
 * and must end in what billing decided, with one letter, and no charge behind an order that is not paid.
 */
describe('PUT /order/:id/pay when billing decides but its answer is lost', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  const pay = (orderId: number, headers: Record<string, string>) => context.app.inject({ method: 'PUT', url: `/order/${orderId}/pay`, headers });
  const status = async (orderId: number, headers: Record<string, string>) => (await context.app.inject({ method: 'GET', url: `/order/${orderId}`, headers })).json().status;

  /** Billing decides (and commits), then the answer never reaches order. */
  async function payLosingTheAnswer(orderId: number, headers: Record<string, string>) {
    context.billing.respondWith((call: RecordedCall) => {
      context.fakeBilling.handle(call);
      return { status: 503 };
    });
    try {
      const lost = await pay(orderId, headers);
      assert.equal(lost.statusCode, 503);
    } finally {
      context.billing.respondWith(context.fakeBilling.handle);
    }
  }

  test('when billing declined, then the loop records failed, the retry answers failed, and no charge exists', async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 6000);
    await payLosingTheAnswer(orderId, headers);
    assert.equal(context.fakeBilling.decisions.get(orderId)?.status, 'declined');

    assert.ok((await recoverUnsettledOrders(context.deps, 0)) >= 1);

    assert.equal(await status(orderId, headers), 'failed');
    const retry = await pay(orderId, headers);
    assert.equal(retry.statusCode, 200);
    assert.equal(retry.json().status, 'failed');
    assert.deepEqual(retry.json().billing, { status: 'ERROR', reason: 'insufficient_funds' });
    assert.equal(context.fakeBilling.balances.get(userId) ?? 500000, 500000, 'no charge behind a failed order');
    assert.deepEqual((await readOutbox(context, orderId)).map((letter) => letter.event), ['order.failed']);
  });

  test('when billing charged, then the loop records processing, the retry answers processing, and the charge is made once', async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    await payLosingTheAnswer(orderId, headers);

    assert.ok((await recoverUnsettledOrders(context.deps, 0)) >= 1);

    assert.equal(await status(orderId, headers), 'processing');
    const retry = await pay(orderId, headers);
    assert.equal(retry.json().status, 'processing');
    assert.equal(context.fakeBilling.balances.get(userId), 500000 - 1000);
    assert.deepEqual((await readOutbox(context, orderId)).map((letter) => letter.event), ['order.processing']);
  });

  test('when the client retries before the loop runs, then it gets the outcome billing decided, and the loop then finds nothing to do', async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    await payLosingTheAnswer(orderId, headers);

    const retry = await pay(orderId, headers);

    assert.equal(retry.json().status, 'processing');
    await recoverUnsettledOrders(context.deps, 0);
    assert.equal(await status(orderId, headers), 'processing');
    assert.equal(context.fakeBilling.balances.get(userId), 500000 - 1000, 'charged once');
    assert.equal((await readOutbox(context, orderId)).length, 1);
  });

  test('when an order is never paid, then billing holds no charge for it', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);

    await recoverUnsettledOrders(context.deps, 0);

    assert.equal(await status(orderId, headers), 'new');
    assert.equal(context.fakeBilling.decisions.has(orderId), false);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOrderFor, newCustomer, readOutbox, startOrder, type OrderTestContext } from './helper.js';

describe('POST /order/:id/cancel', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  const cancel = (orderId: number, headers: Record<string, string>) => context.app.inject({ method: 'POST', url: `/order/${orderId}/cancel`, headers });
  const pay = (orderId: number, headers: Record<string, string>) => context.app.inject({ method: 'PUT', url: `/order/${orderId}/pay`, headers });

  test('when the order is new, then it is cancelled without touching billing', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);

    const response = await cancel(orderId, headers);

    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status, 'cancelled');
    assert.equal(response.json().refunded, null);
    assert.equal(context.fakeBilling.refunds.has(orderId), false);
    assert.match((await readOutbox(context, orderId))[0]!.message, new RegExp(`#${orderId} Cancelled`));
  });

  test('when the order is paid, then it is refunded once, cancelled, and a Cancelled letter is written', async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 30);
    await pay(orderId, headers);

    const responses = await Promise.all(Array.from({ length: 5 }, () => cancel(orderId, headers)));

    assert.ok(responses.some((r) => r.statusCode === 200 && r.json().status === 'cancelled' && r.json().refunded === 30));
    assert.ok(responses.every((r) => r.statusCode === 200 || r.statusCode === 409));
    assert.equal(context.fakeBilling.refunds.get(orderId), 3000);
    assert.equal(context.fakeBilling.balances.get(userId), 500000);
    const letters = await readOutbox(context, orderId);
    assert.deepEqual(letters.map((l) => l.event), ['order.processing', 'order.cancelled']);
  });

  test('when the order failed or is already cancelled, then 409', async () => {
    const { headers } = await newCustomer();
    const failed = await createOrderFor(context, headers, 6000);
    await pay(failed, headers);
    const cancelled = await createOrderFor(context, headers, 1);
    await cancel(cancelled, headers);

    const failedResponse = await cancel(failed, headers);
    const cancelledResponse = await cancel(cancelled, headers);

    assert.equal(failedResponse.statusCode, 409);
    assert.equal(failedResponse.json().code, 'order.not_cancellable');
    assert.equal(cancelledResponse.statusCode, 409);
  });

  test("when cancelling someone else's order, then 404 and nothing changes", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const orderId = await createOrderFor(context, alice.headers, 10);
    await pay(orderId, alice.headers);

    const response = await cancel(orderId, bob.headers);

    assert.equal(response.statusCode, 404);
    assert.equal(context.fakeBilling.refunds.has(orderId), false);
  });

  test('when a cancelled order is paid, then 409 and billing is not asked', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    await cancel(orderId, headers);

    const response = await pay(orderId, headers);

    assert.equal(response.statusCode, 409);
    assert.equal(context.fakeBilling.decisions.has(orderId), false);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOrderFor, newCustomer, readOutbox, readOutboxOnceDelivered, startOrder, type OrderTestContext } from './helper.js';
import { deliverDueLetters } from '../src/domain/letters.js';
import { recoverUnsettledOrders } from '../src/domain/recover-unsettled-orders.js';

describe('PUT /order/:id/pay', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  const pay = (orderId: number, headers: Record<string, string>) => context.app.inject({ method: 'PUT', url: `/order/${orderId}/pay`, headers });
  const paymentCalls = (orderId: number) => context.billing.calls.filter((c) => c.url === '/internal/payments' && (c.body as { order_id: number }).order_id === orderId).length;

  test('when billing charges, then the order is processing and a Processing letter is delivered', async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 3000);

    const response = await pay(orderId, headers);

    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status, 'processing');
    assert.deepEqual(response.json().billing, { status: 'OK' });
    const { rows } = await context.database.pool.query('SELECT payment_status FROM orders WHERE id = $1', [orderId]);
    assert.equal(rows[0].payment_status, 'succeeded', "stored in billing's words; OK is only the public API's spelling");
    const letters = await readOutboxOnceDelivered(context, orderId);
    assert.equal(letters.length, 1);
    assert.match(letters[0]!.message, new RegExp(`#${orderId} Processing`));
    assert.notEqual(letters[0]!.delivered_at, null);
    const delivered = context.notification.calls.find((c) => (c.body as { order_id: number }).order_id === orderId);
    assert.equal((delivered?.body as { user_id: number }).user_id, userId);
    assert.equal((delivered?.body as { email: string }).email, `user${userId}@example.com`);
  });

  test('when billing refuses, then the order failed with billing ERROR and a Failed letter', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 6000);

    const response = await pay(orderId, headers);

    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status, 'failed');
    assert.deepEqual(response.json().billing, { status: 'ERROR', reason: 'insufficient_funds' });
    assert.match((await readOutbox(context, orderId))[0]!.message, new RegExp(`#${orderId} Failed`));
  });

  test('when paying again, then the same outcome comes back without asking billing again', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    const first = await pay(orderId, headers);

    const second = await pay(orderId, headers);

    assert.equal(second.statusCode, 200);
    assert.deepEqual(second.json(), first.json());
    assert.equal(paymentCalls(orderId), 1);
    assert.equal((await readOutbox(context, orderId)).length, 1);
  });

  test('when 100 pays of one order race, then all answer 200 with one outcome and one letter is written', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);

    const responses = await Promise.all(Array.from({ length: 100 }, () => pay(orderId, headers)));

    assert.ok(responses.every((r) => r.statusCode === 200 && r.json().status === 'processing'));
    assert.equal((await readOutbox(context, orderId)).length, 1);
  });

  test("when paying someone else's order, then 404 and the order is untouched", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const orderId = await createOrderFor(context, alice.headers, 10);

    const response = await pay(orderId, bob.headers);

    assert.equal(response.statusCode, 404);
    const order = await context.app.inject({ method: 'GET', url: `/order/${orderId}`, headers: alice.headers });
    assert.equal(order.json().status, 'new');
    assert.equal(paymentCalls(orderId), 0);
  });

  test('when billing is down, then 503 and the order stays payable; paying after it is back charges once', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    context.billing.respondWith(() => ({ status: 503 }));

    const down = await pay(orderId, headers);

    context.billing.respondWith(context.fakeBilling.handle);
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().code, 'peer.unavailable');
    assert.ok(down.headers['retry-after']);
    const back = await pay(orderId, headers);
    assert.equal(back.statusCode, 200);
    assert.equal(back.json().status, 'processing');
    assert.equal((await readOutbox(context, orderId)).length, 1);
  });

  test('when an order is left pending, then the recovery loop settles it with the same key and never charges twice', async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    // Billing charged, but the answer never reached order (it timed out or order died).
    context.billing.respondWith((call) => {
      context.fakeBilling.handle(call);
      return { status: 503 };
    });
    await pay(orderId, headers);
    context.billing.respondWith(context.fakeBilling.handle);

    const recovered = await recoverUnsettledOrders(context.deps, 0);

    assert.ok(recovered >= 1);
    const order = await context.app.inject({ method: 'GET', url: `/order/${orderId}`, headers });
    assert.equal(order.json().status, 'processing');
    assert.equal(context.fakeBilling.balances.get(userId), 500000 - 1000);
    assert.equal((await readOutbox(context, orderId)).length, 1);
  });

  test('when notification is down, then the order still completes and the letter arrives exactly once later', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    context.notification.respondWith(() => ({ status: 503 }));

    const response = await pay(orderId, headers);

    assert.equal(response.json().status, 'processing');
    assert.equal((await readOutbox(context, orderId))[0]!.delivered_at, null);
    context.notification.respondWith(() => ({ status: 201, body: {} }));
    await context.database.pool.query('UPDATE outbox SET next_attempt_at = now() WHERE order_id = $1', [orderId]);
    await deliverDueLetters(context.deps);
    const letters = await readOutboxOnceDelivered(context, orderId);
    assert.equal(letters.length, 1);
    assert.notEqual(letters[0]!.delivered_at, null);
  });

  test("when the buyer has no billing account yet, then 409, nothing is failed or announced, and the order is paid once the account exists", async () => {
    const { userId, headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    context.billing.respondWith((call) => ((call.body as { user_id: number }).user_id === userId ? { status: 404, body: { code: 'billing.account_not_found' } } : context.fakeBilling.handle(call)));

    const response = await pay(orderId, headers);

    assert.equal(response.statusCode, 409);
    assert.equal(response.json().code, 'billing.account_not_found');
    const order = await context.app.inject({ method: 'GET', url: `/order/${orderId}`, headers });
    assert.equal(order.json().status, 'pending');
    assert.equal(order.json().billing, null);
    assert.deepEqual(await readOutbox(context, orderId), []);
    context.billing.respondWith(context.fakeBilling.handle);
    await recoverUnsettledOrders(context.deps, 0);
    const paid = await context.app.inject({ method: 'GET', url: `/order/${orderId}`, headers });
    assert.equal(paid.json().status, 'processing');
    assert.equal((await readOutbox(context, orderId)).length, 1);
  });

  test('when the outcome cannot be recorded, then no letter is sent (a letter announces only what is recorded), and the recovery loop records and sends it', async () => {
    const { headers } = await newCustomer();
    const orderId = await createOrderFor(context, headers, 10);
    const lettersSent = () => context.notification.calls.filter((c) => (c.body as { order_id: number }).order_id === orderId).length;
    await context.database.pool.query(`ALTER TABLE outbox ADD CONSTRAINT refuse_order_${orderId} CHECK (order_id <> ${orderId}) NOT VALID`);

    const response = await pay(orderId, headers);

    await context.database.pool.query(`ALTER TABLE outbox DROP CONSTRAINT refuse_order_${orderId}`);
    assert.equal(response.statusCode, 500);
    assert.equal(lettersSent(), 0);
    const order = await context.app.inject({ method: 'GET', url: `/order/${orderId}`, headers });
    assert.equal(order.json().status, 'pending');
    await recoverUnsettledOrders(context.deps, 0);
    assert.equal((await readOutboxOnceDelivered(context, orderId)).length, 1);
    assert.equal(lettersSent(), 1);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newOrderId, openAccount, pay, readAccountState, refund, startBilling, type BillingTestContext } from './helper.js';

describe('POST /internal/payments and /internal/refunds', () => {
  let context: BillingTestContext;
  before(async () => {
    context = await startBilling();
  });
  after(() => context.close());

  test('when the money is there, then the payment succeeds and the ledger records it', async () => {
    const { userId } = await openAccount(context, 5000);
    const orderId = newOrderId();

    const response = await pay(context, { order_id: orderId, user_id: userId, amount_minor: 300000 });

    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { order_id: orderId, user_id: userId, amount_minor: 300000, status: 'succeeded', reason: null });
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 200000, ledgerSumMinor: 200000, entries: 2 });
  });

  test('when the money is not there, then it is declined and nothing moves; a retry after a top-up keeps the first answer', async () => {
    const { userId, headers } = await openAccount(context, 2000);
    const orderId = newOrderId();

    const declined = await pay(context, { order_id: orderId, user_id: userId, amount_minor: 300000 });
    await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: 5000 } });
    const retried = await pay(context, { order_id: orderId, user_id: userId, amount_minor: 300000 });

    assert.equal(declined.json().status, 'declined');
    assert.equal(declined.json().reason, 'insufficient_funds');
    assert.deepEqual(retried.json(), declined.json());
    assert.equal((await readAccountState(context, userId)).balanceMinor, 700000);
  });

  test('when 100 identical payments race, then exactly one debit happens and all get the same answer', async () => {
    const { userId } = await openAccount(context, 5000);
    const orderId = newOrderId();

    const responses = await Promise.all(Array.from({ length: 100 }, () => pay(context, { order_id: orderId, user_id: userId, amount_minor: 300000 })));

    assert.ok(responses.every((r) => r.statusCode === 200 && r.json().status === 'succeeded'));
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 200000, ledgerSumMinor: 200000, entries: 2 });
  });

  test('when 50 payments of different orders exceed the balance, then the balance ends at start minus the succeeded ones', async () => {
    const { userId } = await openAccount(context, 1000);

    const responses = await Promise.all(Array.from({ length: 50 }, () => pay(context, { order_id: newOrderId(), user_id: userId, amount_minor: 3000 })));

    const succeeded = responses.filter((r) => r.json().status === 'succeeded').length;
    assert.equal(succeeded, 33);
    const state = await readAccountState(context, userId);
    assert.equal(state.balanceMinor, 100000 - succeeded * 3000);
    assert.equal(state.ledgerSumMinor, state.balanceMinor);
  });

  test('when the same order id comes with another amount, then 422 and no debit', async () => {
    const { userId } = await openAccount(context, 5000);
    const orderId = newOrderId();
    await pay(context, { order_id: orderId, user_id: userId, amount_minor: 100 });

    const response = await pay(context, { order_id: orderId, user_id: userId, amount_minor: 200 });

    assert.equal(response.statusCode, 422);
    assert.equal((await readAccountState(context, userId)).balanceMinor, 500000 - 100);
  });

  test('when a paid order is refunded, even concurrently and repeatedly, then the money comes back once', async () => {
    const { userId } = await openAccount(context, 5000);
    const orderId = newOrderId();
    await pay(context, { order_id: orderId, user_id: userId, amount_minor: 300000 });

    const responses = await Promise.all(Array.from({ length: 20 }, () => refund(context, { order_id: orderId, user_id: userId })));

    assert.ok(responses.every((r) => r.statusCode === 200 && r.json().amount_minor === 300000));
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 500000, ledgerSumMinor: 500000, entries: 3 });
  });

  test('when a declined or unknown order is refunded, then 409 and nothing moves', async () => {
    const { userId } = await openAccount(context, 10);
    const orderId = newOrderId();
    await pay(context, { order_id: orderId, user_id: userId, amount_minor: 300000 });

    const declinedRefund = await refund(context, { order_id: orderId, user_id: userId });
    const unknownRefund = await refund(context, { order_id: newOrderId(), user_id: userId });

    assert.equal(declinedRefund.statusCode, 409);
    assert.equal(unknownRefund.statusCode, 409);
    assert.equal((await readAccountState(context, userId)).balanceMinor, 1000);
  });

  test('when the internal token is missing or wrong, then 401 and nothing moves', async () => {
    const { userId } = await openAccount(context, 50);
    const body = { order_id: newOrderId(), user_id: userId, amount_minor: 100 };

    const missing = await context.app.inject({ method: 'POST', url: '/internal/payments', payload: body });
    const wrong = await context.app.inject({ method: 'POST', url: '/internal/payments', headers: { authorization: 'Bearer test-internal-tokeX' }, payload: body });

    assert.equal(missing.statusCode, 401);
    assert.equal(wrong.statusCode, 401);
    assert.equal((await readAccountState(context, userId)).balanceMinor, 5000);
  });
});

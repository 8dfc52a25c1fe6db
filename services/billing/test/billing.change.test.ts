import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openAccount, readAccountState, startBilling, type BillingTestContext } from './helper.js';

describe('POST /billing/change and GET /billing/current', () => {
  let context: BillingTestContext;
  before(async () => {
    context = await startBilling();
  });
  after(() => context.close());

  test('when topping up 5000, then the balance is 5000 and the ledger has one top_up', async () => {
    const { userId, headers } = await openAccount(context);

    const response = await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: 5000 } });

    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { user_id: userId, balance: 5000, amount: 5000 });
    const current = await context.app.inject({ method: 'GET', url: '/billing/current', headers });
    assert.deepEqual(current.json(), { user_id: userId, balance: 5000 });
    const ledger = await context.app.inject({ method: 'GET', url: '/billing/transactions', headers });
    assert.deepEqual(ledger.json().map((e: { kind: string; amount: number; balance_after: number }) => [e.kind, e.amount, e.balance_after]), [['top_up', 5000, 5000]]);
  });

  test('when amounts have cents, then they are kept exactly', async () => {
    const { headers } = await openAccount(context);

    await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: 0.1 } });
    const response = await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: 0.2 } });

    assert.equal(response.json().balance, 0.3);
  });

  test('when withdrawing more than the balance, then 409 and nothing changes', async () => {
    const { userId, headers } = await openAccount(context, 100);

    const response = await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: -100.01 } });

    assert.equal(response.statusCode, 409);
    assert.equal(response.json().code, 'billing.insufficient_funds');
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 10000, ledgerSumMinor: 10000, entries: 1 });
  });

  test('when withdrawing exactly the balance, then it reaches zero', async () => {
    const { headers } = await openAccount(context, 100);

    const response = await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: -100 } });

    assert.equal(response.statusCode, 200);
    assert.equal(response.json().balance, 0);
  });

  const invalid: Array<[string, string]> = [
    ['the amount has 3 decimals', '{"amount": 1.005}'],
    ['the amount is a string', '{"amount": "5000"}'],
    ['the amount is 0', '{"amount": 0}'],
    ['the amount is -0', '{"amount": -0}'],
    ['the amount overflows to Infinity', '{"amount": 1e309}'],
    ['the amount is huge', '{"amount": 1e15}'],
    ['the amount is missing', '{}'],
    ['the amount is an object', '{"amount": {"value": 1}}'],
    ['a balance is smuggled in', '{"amount": 1, "balance": 1000000}'],
    ['the JSON is broken', '{"amount": '],
  ];
  for (const [situation, payload] of invalid) {
    test(`when ${situation}, then 400 problem and the balance is unchanged`, async () => {
      const { userId, headers } = await openAccount(context, 10);

      const response = await context.app.inject({ method: 'POST', url: '/billing/change', headers: { ...headers, 'content-type': 'application/json' }, payload });

      assert.equal(response.statusCode, 400);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().status, 400);
      assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 1000, ledgerSumMinor: 1000, entries: 1 });
    });
  }

  test('when no identity header comes from the edge, then 401', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/billing/current' });

    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, 'auth.unauthenticated');
  });

  test('when many top-ups and withdrawals race, then the balance never goes below zero and equals the ledger', async () => {
    const { userId, headers } = await openAccount(context, 100);
    const changes = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? -30 : 10));

    const responses = await Promise.all(
      changes.map((amount) => context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount } })),
    );

    const applied = changes.filter((_, i) => responses[i]!.statusCode === 200).reduce((sum, amount) => sum + amount * 100, 10000);
    assert.ok(responses.every((r) => r.statusCode === 200 || r.statusCode === 409));
    const state = await readAccountState(context, userId);
    assert.equal(state.balanceMinor, applied);
    assert.equal(state.ledgerSumMinor, state.balanceMinor);
    assert.ok(state.balanceMinor >= 0);
  });
});

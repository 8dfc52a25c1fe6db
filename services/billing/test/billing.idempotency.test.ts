import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openAccount, readAccountState, startBilling, type BillingTestContext } from './helper.js';

describe('POST /billing/change with an Idempotency-Key', () => {
  let context: BillingTestContext;
  before(async () => {
    context = await startBilling();
  });
  after(() => context.close());

  const change = (headers: Record<string, string>, key: string, amount: number) =>
    context.app.inject({ method: 'POST', url: '/billing/change', headers: { ...headers, 'idempotency-key': key }, payload: { amount } });

  test('when the same request is repeated, then the first response is replayed and the money moves once', async () => {
    const { userId, headers } = await openAccount(context);
    const key = randomUUID();

    const first = await change(headers, key, 5000);
    const second = await change(headers, key, 5000);

    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['idempotency-replayed'], undefined);
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers['idempotency-replayed'], 'true');
    assert.deepEqual(second.json(), first.json());
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 500000, ledgerSumMinor: 500000, entries: 1 });
  });

  test('when the key comes back with a different body, then 422 and nothing moves', async () => {
    const { userId, headers } = await openAccount(context);
    const key = randomUUID();
    await change(headers, key, 10);

    const response = await change(headers, key, 20);

    assert.equal(response.statusCode, 422);
    assert.equal(response.json().code, 'idempotency.key_reused');
    assert.equal((await readAccountState(context, userId)).balanceMinor, 1000);
  });

  test('when a duplicate arrives while the first is in flight, then 409 and one change in the end', async () => {
    const { userId, headers } = await openAccount(context, 10);
    const key = randomUUID();
    // Hold the account row so the first request waits inside its transaction.
    const blocker = await context.database.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM accounts WHERE user_id = $1 FOR UPDATE', [userId]);

    const first = change(headers, key, 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const duplicate = await change(headers, key, 5);
    await blocker.query('COMMIT');
    blocker.release();

    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json().code, 'idempotency.in_flight');
    assert.equal((await first).statusCode, 200);
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 1500, ledgerSumMinor: 1500, entries: 2 });
  });

  test('when 20 identical requests race, then exactly one change is made and the others replay or wait', async () => {
    const { userId, headers } = await openAccount(context);
    const key = randomUUID();

    const responses = await Promise.all(Array.from({ length: 20 }, () => change(headers, key, 7)));

    assert.ok(responses.every((r) => r.statusCode === 200 || r.statusCode === 409));
    assert.ok(responses.filter((r) => r.statusCode === 200).every((r) => r.json().balance === 7));
    assert.deepEqual(await readAccountState(context, userId), { balanceMinor: 700, ledgerSumMinor: 700, entries: 1 });
  });

  test('when the first attempt was refused for lack of money, then the retry gets the same refusal even after a top-up', async () => {
    const { userId, headers } = await openAccount(context, 1);
    const key = randomUUID();
    const refused = await change(headers, key, -5);
    await change(headers, randomUUID(), 100);

    const retried = await change(headers, key, -5);

    assert.equal(refused.statusCode, 409);
    assert.equal(retried.statusCode, 409);
    assert.equal(retried.headers['idempotency-replayed'], 'true');
    assert.equal(retried.json().code, 'billing.insufficient_funds');
    assert.equal((await readAccountState(context, userId)).balanceMinor, 10100);
  });

  test('when another user uses the same key, then it is a different key', async () => {
    const alice = await openAccount(context);
    const bob = await openAccount(context);
    const key = randomUUID();
    await change(alice.headers, key, 1);

    const response = await change(bob.headers, key, 1);

    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['idempotency-replayed'], undefined);
    assert.equal((await readAccountState(context, bob.userId)).balanceMinor, 100);
  });

  test('when the key is malformed, then 400 and nothing moves', async () => {
    const { userId, headers } = await openAccount(context);

    const response = await change(headers, 'k'.repeat(256), 1);

    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, 'idempotency.invalid_key');
    assert.equal((await readAccountState(context, userId)).balanceMinor, 0);
  });
});

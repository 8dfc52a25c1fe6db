import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { newCustomer, startOrder, type OrderTestContext } from './helper.js';

describe('POST /order with an Idempotency-Key', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  const create = (headers: Record<string, string>, key: string, price: number) =>
    context.app.inject({ method: 'POST', url: '/order', headers: { ...headers, 'idempotency-key': key }, payload: { price } });
  const countOrders = async (userId: number) =>
    (await context.database.pool.query('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [userId])).rows[0].n as number;

  test('when a create is retried with the same key, then the same order comes back and only one exists', async () => {
    const { userId, headers } = await newCustomer();
    const key = randomUUID();

    const first = await create(headers, key, 3000);
    const retry = await create(headers, key, 3000);

    assert.equal(retry.statusCode, 200);
    assert.equal(retry.headers['idempotency-replayed'], 'true');
    assert.equal(retry.json().id, first.json().id);
    assert.equal(await countOrders(userId), 1);
  });

  test('when 30 creates with one key race, then one order is created', async () => {
    const { userId, headers } = await newCustomer();
    const key = randomUUID();

    const responses = await Promise.all(Array.from({ length: 30 }, () => create(headers, key, 10)));

    assert.ok(responses.every((r) => r.statusCode === 200 || r.statusCode === 409));
    assert.equal(new Set(responses.filter((r) => r.statusCode === 200).map((r) => r.json().id)).size, 1);
    assert.equal(await countOrders(userId), 1);
  });

  test('when a create is in flight, then a duplicate gets 409 and never a second order', async () => {
    const { userId, headers } = await newCustomer();
    const key = randomUUID();
    const blocker = await context.database.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE orders IN EXCLUSIVE MODE');

    const first = create(headers, key, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const duplicate = await create(headers, key, 10);
    await blocker.query('COMMIT');
    blocker.release();

    assert.equal(duplicate.statusCode, 409);
    assert.equal((await first).statusCode, 200);
    assert.equal(await countOrders(userId), 1);
  });

  test('when the same key comes with another price, then 422 and no second order', async () => {
    const { userId, headers } = await newCustomer();
    const key = randomUUID();
    await create(headers, key, 10);

    const response = await create(headers, key, 11);

    assert.equal(response.statusCode, 422);
    assert.equal(await countOrders(userId), 1);
  });
});

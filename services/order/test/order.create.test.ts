import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newCustomer, startOrder, type OrderTestContext } from './helper.js';

describe('POST /order, GET /order, GET /order/:id', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  test('when the price is valid, then a new order with an integer id is created', async () => {
    const { userId, headers } = await newCustomer();

    const response = await context.app.inject({ method: 'POST', url: '/order', headers, payload: { price: 3000 } });

    assert.equal(response.statusCode, 200);
    const order = response.json();
    assert.ok(Number.isInteger(order.id));
    assert.equal(order.user_id, userId);
    assert.equal(order.price, 3000);
    assert.equal(order.status, 'new');
    assert.equal(order.billing, null);
    assert.ok(!Number.isNaN(Date.parse(order.created_at)));
  });

  const invalid: Array<[string, string]> = [
    ['the price is zero', '{"price": 0}'],
    ['the price is negative', '{"price": -5}'],
    ['the price is -0', '{"price": -0}'],
    ['the price has 3 decimals', '{"price": 10.001}'],
    ['the price is a string', '{"price": "3000"}'],
    ['the price is huge', '{"price": 1e300}'],
    ['the price overflows', '{"price": 1e309}'],
    ['the price is null', '{"price": null}'],
    ['the price is missing', '{}'],
    ['a status is smuggled in', '{"price": 10, "status": "processing"}'],
    ['a user_id is smuggled in', '{"price": 10, "user_id": 1}'],
    ['the body is an array', '[{"price": 10}]'],
    ['the JSON is broken', '{"price": 10'],
  ];
  for (const [situation, payload] of invalid) {
    test(`when ${situation}, then 400 problem and no order`, async () => {
      const { headers } = await newCustomer();

      const response = await context.app.inject({ method: 'POST', url: '/order', headers: { ...headers, 'content-type': 'application/json' }, payload });

      assert.equal(response.statusCode, 400);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const list = await context.app.inject({ method: 'GET', url: '/order', headers });
      assert.deepEqual(list.json(), []);
    });
  }

  test("when listing, then only the caller's orders come, newest first", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    await context.app.inject({ method: 'POST', url: '/order', headers: alice.headers, payload: { price: 1 } });
    await context.app.inject({ method: 'POST', url: '/order', headers: alice.headers, payload: { price: 2 } });
    await context.app.inject({ method: 'POST', url: '/order', headers: bob.headers, payload: { price: 3 } });

    const response = await context.app.inject({ method: 'GET', url: '/order', headers: alice.headers });

    assert.deepEqual(response.json().map((o: { price: number }) => o.price), [2, 1]);
  });

  test("when reading someone else's order, then 404, never 403", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const created = await context.app.inject({ method: 'POST', url: '/order', headers: alice.headers, payload: { price: 1 } });

    const response = await context.app.inject({ method: 'GET', url: `/order/${created.json().id}`, headers: bob.headers });

    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'order.not_found');
  });

  test('when the id is not a number, then 400', async () => {
    const { headers } = await newCustomer();

    const response = await context.app.inject({ method: 'GET', url: '/order/abc', headers });

    assert.equal(response.statusCode, 400);
  });
});

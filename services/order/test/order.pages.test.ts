import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { explainGenericPlan } from '@orderflow/db/testing';
import { injectPage, MALFORMED_CURSORS, walkPages } from '@orderflow/kit/testing';
import { LIST_ORDERS_OF_USER } from '../src/store/orders.store.js';
import { createOrderFor, newCustomer, startOrder, type OrderTestContext } from './helper.js';

describe('GET /order, page by page', () => {
  let context: OrderTestContext;
  before(async () => {
    context = await startOrder();
  });
  after(() => context.close());

  const readPage = (url: string, headers: Record<string, string>) => injectPage(context.app, url, headers);

  test('when a customer walks the Link headers while placing more orders, then each older order comes once, newest first', async () => {
    const { headers } = await newCustomer();
    const existing: number[] = [];
    for (let i = 0; i < 30; i++) existing.push(await createOrderFor(context, headers, 10 + i));

    const walk = await walkPages<{ id: number }>('/order?limit=7', (url) => readPage(url, headers), { between: async () => void (await createOrderFor(context, headers)) });

    assert.deepEqual(walk.items.map((order) => order.id), [...existing].reverse());
    assert.equal(walk.urls.length, 5);
    assert.equal(walk.urls[1], `/order?limit=7&before=${existing[23]}`);
  });

  test("when the cursor is another customer's order, an unknown id or malformed, then a 400 problem and no order of anyone", async () => {
    const owner = await newCustomer();
    const ownersOrder = await createOrderFor(context, owner.headers, 4321);
    const { headers } = await newCustomer();
    await createOrderFor(context, headers);

    const foreign = await readPage(`/order?before=${ownersOrder}`, headers);
    const unknown = await readPage('/order?before=999999999999999', headers);
    const malformed = await Promise.all(MALFORMED_CURSORS.map((before) => readPage(`/order?before=${before}`, headers)));

    assert.deepEqual([foreign.status, foreign.body.code], [400, 'page.unknown_cursor']);
    assert.equal(foreign.body.detail, unknown.body.detail.replace('999999999999999', String(ownersOrder)));
    assert.doesNotMatch(JSON.stringify(foreign.body), /4321|user_id/);
    assert.deepEqual(malformed.map((page) => [page.status, page.body.code]), malformed.map(() => [400, 'request.invalid']));
  });

  test('the page query is one range of orders_user_id_idx in index order, however deep the page', async () => {
    const plan = await explainGenericPlan(context.database.pool, LIST_ORDERS_OF_USER, [1, 1000, 21]);

    assert.match(plan, /Index Scan using orders_user_id_idx on orders/);
    assert.match(plan, /Index Cond: \(\(user_id = \$1\) AND \(id <= COALESCE\(\$2, /);
    assert.doesNotMatch(plan, /Sort|Filter/);
  });
});

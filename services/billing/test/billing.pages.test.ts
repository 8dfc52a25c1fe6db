import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { explainGenericPlan } from '@orderflow/db/testing';
import { injectPage, MALFORMED_CURSORS, walkPages } from '@orderflow/kit/testing';
import { LIST_LEDGER_ENTRIES } from '../src/store/accounts.store.js';
import { newOrderId, openAccount, pay, startBilling, type BillingTestContext } from './helper.js';

describe('GET /billing/transactions, page by page', () => {
  let context: BillingTestContext;
  before(async () => {
    context = await startBilling();
  });
  after(() => context.close());

  const readPage = (url: string, headers: Record<string, string>) => injectPage(context.app, url, headers);

  test('when an account is walked by its Link headers while payments keep landing, then each older entry comes once, newest first', async () => {
    const { userId, headers } = await openAccount(context, 1000);
    for (let i = 0; i < 24; i++) await pay(context, { order_id: newOrderId(), user_id: userId, amount_minor: 100 + i });
    const existing = (await readPage('/billing/transactions?limit=100', headers)).body.map((entry: { id: number }) => entry.id);

    const walk = await walkPages<{ id: number; kind: string }>('/billing/transactions?limit=10', (url) => readPage(url, headers), {
      between: async () => void (await pay(context, { order_id: newOrderId(), user_id: userId, amount_minor: 1 })),
    });

    assert.equal(existing.length, 25);
    assert.deepEqual(walk.items.map((entry) => entry.id), existing);
    assert.deepEqual(walk.items.at(-1)?.kind, 'top_up');
    assert.equal(walk.urls.length, 3);
  });

  test("when the cursor is another account's entry, an unknown id or malformed, then a 400 problem and no entry of anyone", async () => {
    const owner = await openAccount(context, 777);
    const [ownersEntry] = (await readPage('/billing/transactions', owner.headers)).body;
    const { headers } = await openAccount(context, 5);

    const foreign = await readPage(`/billing/transactions?before=${ownersEntry.id}`, headers);
    const unknown = await readPage('/billing/transactions?before=999999999999999', headers);
    const malformed = await Promise.all(MALFORMED_CURSORS.map((before) => readPage(`/billing/transactions?before=${before}`, headers)));

    assert.deepEqual([foreign.status, foreign.body.code], [400, 'page.unknown_cursor']);
    assert.equal(foreign.body.detail, unknown.body.detail.replace('999999999999999', String(ownersEntry.id)));
    assert.doesNotMatch(JSON.stringify(foreign.body), /777|balance/);
    assert.deepEqual(malformed.map((page) => [page.status, page.body.code]), malformed.map(() => [400, 'request.invalid']));
  });

  test('the page query is one range of ledger_entries_user_id_idx in index order, however deep the page', async () => {
    const plan = await explainGenericPlan(context.database.pool, LIST_LEDGER_ENTRIES, [1, 1000, 21]);

    assert.match(plan, /Index Scan using ledger_entries_user_id_idx on ledger_entries/);
    assert.match(plan, /Index Cond: \(\(user_id = \$1\) AND \(id <= COALESCE\(\$2, /);
    assert.doesNotMatch(plan, /Sort|Filter/);
  });
});

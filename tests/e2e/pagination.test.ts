import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSystem } from '@orderflow/stack';
import { walkPages } from '@orderflow/kit/testing';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';

interface Item {
  id: number;
  /** Orders have no order_id; ledger rows and letters name the order they are about. */
  order_id?: number | null;
  kind?: string;
}

const ORDERS = 250;
const PAGE_SIZES = [7, undefined, 100];
const LISTS = ['/order', '/billing/transactions', '/notification'] as const;

describe('every list through the gateway, page by page, while the user keeps ordering', () => {
  let system: RunningSystem;
  before(async () => {
    system = await bootTestSystem();
  });
  after(() => system.stop());

  test(`when a user with ${ORDERS} paid orders walks each list by its Link headers with several page sizes, then every order, ledger row and letter comes once, newest first`, async () => {
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    await api.call('POST', '/login', { login, password: 'correct horse' });
    await api.call('POST', '/billing/change', { amount: 100_000 });
    const paid: number[] = [];
    const placeAndPay = async () => {
      const { body: order } = await api.call('POST', '/order', { price: 1 });
      assert.equal((await api.call('PUT', `/order/${order.id}/pay`)).body.status, 'processing');
      paid.push(order.id);
    };
    for (let i = 0; i < ORDERS; i++) await placeAndPay();
    const readPage = async (url: string) => {
      const response = await api.call('GET', url);
      return { status: response.status, body: response.body as Item[], link: response.headers.get('link') ?? undefined };
    };
    // What each list must hold, as the orders made so far say, keyed by the order each item is about.
    const expectedKeys = (list: (typeof LISTS)[number]) => (list === '/billing/transactions' ? [...paid.map(String), 'top_up'] : paid.map(String));
    const keyOf = (list: (typeof LISTS)[number], item: Item) => (list === '/order' ? String(item.id) : item.kind === 'top_up' ? 'top_up' : String(item.order_id));

    const failures: string[] = [];
    for (const list of LISTS) {
      for (const size of PAGE_SIZES) {
        // Letters are delivered just after the payment answers: wait until every one is in.
        if (list === '/notification') await waitUntil(async () => (await walkPages('/notification?limit=100', readPage)).items.length === paid.length);
        const expected = expectedKeys(list).sort();
        const firstUrl = size === undefined ? list : `${list}?limit=${size}`;

        const walk = await walkPages(firstUrl, readPage, { between: placeAndPay });

        const ids = walk.items.map((item) => item.id);
        const label = `${firstUrl} (${walk.urls.length} pages)`;
        if (!ids.every((id, i) => i === 0 || id < ids[i - 1]!)) failures.push(`${label}: ids not strictly newest first`);
        assert.deepEqual(walk.items.map((item) => keyOf(list, item)).sort(), expected, `${label}: every item that existed once`);
        assert.equal(walk.urls.length, Math.ceil(expected.length / (size ?? 20)), label);
        assert.match(walk.urls[1] ?? '', new RegExp(`^${list.replace('/', '\\/')}\\?limit=${size ?? 20}&before=\\d+$`), `${label}: the next link is the edge's path`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { withClient } from '@orderflow/db';
import type { RunningSystem } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';

async function queryOne<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[]): Promise<T> {
  return withClient(url, async (client) => (await client.query<T>(sql, params)).rows[0]!);
}

describe('concurrent payments through the gateway, every service a real process', () => {
  let system: RunningSystem;
  before(async () => {
    system = await bootTestSystem();
  });
  after(() => system.stop());

  async function newPayer(topUp: number) {
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    await api.call('POST', '/login', { login, password: 'correct horse' });
    await api.call('POST', '/billing/change', { amount: topUp });
    const userId: number = (await api.call('GET', '/auth')).body.id;
    return { api, userId };
  }

  test('when 100 pays of one order race, then one withdrawal, one letter, and 100 identical 200s', async () => {
    const { api, userId } = await newPayer(5000);
    const order = await api.call('POST', '/order', { price: 3000 });

    const responses = await Promise.all(Array.from({ length: 100 }, () => api.call('PUT', `/order/${order.body.id}/pay`)));

    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
    assert.deepEqual(new Set(responses.map((r) => `${r.body.status}/${r.body.billing.status}`)), new Set(['processing/OK']));
    const payments = await queryOne<{ n: number }>(system.databaseUrls.billing, `SELECT count(*)::int AS n FROM ledger_entries WHERE order_id = $1 AND kind = 'payment'`, [order.body.id]);
    assert.equal(payments.n, 1);
    assert.equal((await api.call('GET', '/billing/current')).body.balance, 2000);
    const letters = await queryOne<{ n: number }>(system.databaseUrls.notification, 'SELECT count(*)::int AS n FROM letters WHERE order_id = $1 AND user_id = $2', [order.body.id, userId]);
    assert.equal(letters.n, 1);
  });

  test('when 50 orders whose total exceeds the balance are paid at once, then the balance ends at start minus the OK ones, never below zero', async () => {
    const { api, userId } = await newPayer(1000);
    const orders = await Promise.all(Array.from({ length: 50 }, () => api.call('POST', '/order', { price: 70 })));

    const responses = await Promise.all(orders.map((order) => api.call('PUT', `/order/${order.body.id}/pay`)));

    assert.ok(responses.every((r) => r.status === 200));
    const paid = responses.filter((r) => r.body.billing.status === 'OK').length;
    assert.equal(paid, 14);
    assert.equal((await api.call('GET', '/billing/current')).body.balance, 1000 - 70 * paid);
    const ledger = await queryOne<{ balance: string; sum: string }>(
      system.databaseUrls.billing,
      'SELECT a.balance_minor AS balance, (SELECT sum(amount_minor) FROM ledger_entries WHERE user_id = a.user_id) AS sum FROM accounts a WHERE a.user_id = $1',
      [userId],
    );
    assert.equal(ledger.balance, ledger.sum);
  });
});

import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '@orderflow/db';
import type { ServiceApp } from '@orderflow/kit';
import { createTestIdentities } from '@orderflow/kit/testing';
import { buildNotificationApp } from '../src/app.js';

const internal = { authorization: 'Bearer test-internal-token' };
let nextId = Math.floor(Math.random() * 1e9);
const identities = createTestIdentities();

describe('POST /internal/letters and GET /notification', () => {
  let app: ServiceApp;
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(fileURLToPath(new URL('../../migrations', import.meta.url)));
    app = buildNotificationApp({ db: database.pool, internalToken: 'test-internal-token', logLevel: false, identityPublicKey: identities.publicKey });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await database.drop();
  });

  const letterFor = (userId: number, orderId: number, event = 'order.processing') => ({
    delivery_id: `order-${orderId}-${event}-${++nextId}`,
    user_id: userId,
    order_id: orderId,
    email: 'ada@example.com',
    event,
    message: `Order #${orderId} Processing`,
  });
  const deliver = (body: unknown) => app.inject({ method: 'POST', url: '/internal/letters', headers: internal, payload: body as object });

  test('when a letter is delivered, then its user reads it, newest first', async () => {
    const userId = ++nextId;
    await deliver(letterFor(userId, 1));
    await deliver({ ...letterFor(userId, 2, 'order.failed'), message: 'Order #2 Failed' });

    const response = await app.inject({ method: 'GET', url: '/notification', headers: await identities.headersFor(userId) });

    assert.equal(response.statusCode, 200);
    const letters = response.json();
    assert.deepEqual(letters.map((l: { order_id: number; message: string }) => [l.order_id, l.message]), [[2, 'Order #2 Failed'], [1, 'Order #1 Processing']]);
    assert.deepEqual(Object.keys(letters[0]).sort(), ['created_at', 'email', 'event', 'id', 'message', 'order_id']);
  });

  test('when a user has many letters, then a page of the newest comes back: 20 by default, ?limit up to 100', async () => {
    const userId = ++nextId;
    for (let orderId = 1; orderId <= 25; orderId++) await deliver(letterFor(userId, orderId));
    const headers = await identities.headersFor(userId);
    const read = (query: string) => app.inject({ method: 'GET', url: `/notification${query}`, headers });

    const byDefault = await read('');
    const five = await read('?limit=5');

    assert.deepEqual(byDefault.json().map((l: { order_id: number }) => l.order_id), Array.from({ length: 20 }, (_, i) => 25 - i));
    assert.deepEqual(five.json().map((l: { order_id: number }) => l.order_id), [25, 24, 23, 22, 21]);
    for (const bad of ['?limit=0', '?limit=101', '?limit=abc', '?limit=-1']) assert.equal((await read(bad)).statusCode, 400, bad);
  });

  test('when the same delivery arrives many times at once, then one letter is stored', async () => {
    const userId = ++nextId;
    const letter = letterFor(userId, 7);

    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(letter)));

    assert.equal(responses.filter((r) => r.statusCode === 201).length, 1);
    assert.ok(responses.every((r) => r.statusCode === 201 || r.statusCode === 200));
    assert.equal(new Set(responses.map((r) => r.json().id)).size, 1);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM letters WHERE user_id = $1', [userId]);
    assert.equal(rows[0].n, 1);
  });

  test("when another user reads letters, then they see none of this user's", async () => {
    const owner = ++nextId;
    await deliver(letterFor(owner, 9));

    const response = await app.inject({ method: 'GET', url: '/notification', headers: await identities.headersFor(++nextId) });

    assert.deepEqual(response.json(), []);
  });

  test('when the internal token is missing, then 401 and nothing is stored', async () => {
    const userId = ++nextId;

    const response = await app.inject({ method: 'POST', url: '/internal/letters', payload: letterFor(userId, 3) });

    assert.equal(response.statusCode, 401);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM letters WHERE user_id = $1', [userId]);
    assert.equal(rows[0].n, 0);
  });

  test('when a request claims a user with a bare X-UserId and no signed identity, then 401', async () => {
    const response = await app.inject({ method: 'GET', url: '/notification', headers: { 'x-userid': String(++nextId) } });

    assert.equal(response.statusCode, 401);
  });
});

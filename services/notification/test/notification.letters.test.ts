import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, explainGenericPlan, type TestDatabase } from '@orderflow/db/testing';
import type { ServiceApp } from '@orderflow/kit';
import { createTestIdentities, injectPage, MALFORMED_CURSORS, walkPages } from '@orderflow/kit/testing';
import { LIST_LETTERS_OF_USER } from '../src/store/letters.store.js';
import { buildNotificationApp } from '../src/app.js';
import { MIGRATIONS } from '../src/migrations.js';

const internal = { authorization: 'Bearer test-internal-token' };
let nextId = Math.floor(Math.random() * 1e9);
const identities = createTestIdentities();

describe('POST /internal/letters and GET /notification', () => {
  let app: ServiceApp;
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase(MIGRATIONS);
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

  // Pages: GET /notification?limit&before and its Link header.
  async function deliverLetters(userId: number, count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const orderId = ++nextId;
      const response = await app.inject({
        method: 'POST',
        url: '/internal/letters',
        headers: internal,
        payload: { delivery_id: `order-${orderId}-order.processing`, user_id: userId, order_id: orderId, email: 'ada@example.com', event: 'order.processing', message: `Order #${orderId} Processing` },
      });
      ids.push(response.json<{ id: number }>().id);
    }
    return ids;
  }

  const readPage = (url: string, headers: Record<string, string>) => injectPage(app, url, headers);

  test('when a user walks the Link headers while letters keep arriving, then each older letter comes once, newest first', async () => {
    const userId = ++nextId;
    const headers = await identities.headersFor(userId);
    const existing = await deliverLetters(userId, 23);
    const arriving: number[] = [];

    const walk = await walkPages<{ id: number }>('/notification?limit=5', (url) => readPage(url, headers), { between: async () => void arriving.push(...(await deliverLetters(userId, 2))) });

    assert.deepEqual(walk.items.map((letter) => letter.id), [...existing].reverse());
    assert.deepEqual(walk.urls.slice(0, 2), ['/notification?limit=5', `/notification?limit=5&before=${existing[18]}`]);
    assert.equal(walk.urls.length, 5);
    assert.equal(arriving.length, 10);
  });

  test('when the pages are the default size, then the link keeps that size and the last page has no link', async () => {
    const userId = ++nextId;
    const headers = await identities.headersFor(userId);
    const ids = await deliverLetters(userId, 21);

    const first = await readPage('/notification', headers);
    const last = await readPage(`/notification?before=${ids[1]}`, headers);

    assert.equal(first.body.length, 20);
    assert.equal(first.link, `</notification?limit=20&before=${ids[1]}>; rel="next"`);
    assert.deepEqual(last.body.map((letter: { id: number }) => letter.id), [ids[0]]);
    assert.equal(last.link, undefined);
  });

  test("when the cursor is another user's letter, an unknown id or malformed, then a 400 problem that shows none of the other user's letters", async () => {
    const owner = ++nextId;
    const [ownersLetter] = await deliverLetters(owner, 1);
    const caller = ++nextId;
    await deliverLetters(caller, 2);
    const headers = await identities.headersFor(caller);

    const foreign = await readPage(`/notification?before=${ownersLetter}`, headers);
    const unknown = await readPage('/notification?before=999999999999999', headers);
    const malformed = await Promise.all(MALFORMED_CURSORS.map((before) => readPage(`/notification?before=${before}`, headers)));

    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.code, 'page.unknown_cursor');
    assert.deepEqual(Object.keys(foreign.body).sort(), Object.keys(unknown.body).sort());
    assert.equal(unknown.body.code, 'page.unknown_cursor');
    assert.doesNotMatch(JSON.stringify(foreign.body), /Processing|ada@/);
    assert.deepEqual(malformed.map((page) => [page.status, page.body.code]), malformed.map(() => [400, 'request.invalid']));
  });

  test('the page query is one range of letters_user_id_idx in index order, however deep the page', async () => {
    const plan = await explainGenericPlan(database.pool, LIST_LETTERS_OF_USER, [1, 1000, 21]);

    assert.match(plan, /Index Scan using letters_user_id_idx on letters/);
    assert.match(plan, /Index Cond: \(\(user_id = \$1\) AND \(id <= COALESCE\(\$2, /);
    assert.doesNotMatch(plan, /Sort|Filter/);
  });
});

import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, explainGenericPlan, type TestDatabase } from '@orderflow/db';
import type { ServiceApp } from '@orderflow/kit';
import { createTestIdentities, MALFORMED_CURSORS, walkPages } from '@orderflow/kit/testing';
import { buildNotificationApp } from '../src/app.js';
import { LIST_LETTERS_OF_USER } from '../src/store/letters.store.js';

const internal = { authorization: 'Bearer test-internal-token' };
let nextId = Math.floor(Math.random() * 1e9);
const identities = createTestIdentities();

describe('GET /notification, page by page', () => {
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

  async function readPage(url: string, headers: Record<string, string>) {
    const response = await app.inject({ method: 'GET', url, headers });
    return { status: response.statusCode, body: response.json(), link: response.headers.link as string | undefined };
  }

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

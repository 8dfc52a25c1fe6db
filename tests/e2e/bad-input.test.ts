import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSystem } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';
import { snapshotDatabases } from '../support/database-snapshot.js';

interface BadRequest {
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** Send without the session cookie. */
  anonymous?: boolean;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json';

/** Ids of another user's rows, which must not serve as anyone else's cursor. */
interface ForeignItems {
  orderId: number;
  ledgerEntryId: number;
  letterId: number;
}

/** Malformed requests of every kind, for every public route that takes input. */
function corpus(orderId: number, foreign: ForeignItems): BadRequest[] {
  const bodies: Array<[string, string]> = [
    ['invalid JSON', '{"price": '],
    ['an empty body', ''],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
  ];
  const moneyValues: Array<[string, string]> = [
    ['1e309 (Infinity)', '1e309'],
    ['-0', '-0'],
    ['three decimals', '10.001'],
    ['a string', '"3000"'],
    ['a unicode string', '"３０００"'],
    ['a nested object', '{"value": 3000}'],
    ['an array', '[3000]'],
    ['a boolean', 'true'],
    ['null', 'null'],
    ['a huge number', '1e300'],
    ['a negative price', '-3000'],
  ];
  const requests: BadRequest[] = [];
  for (const [route, field] of [['/order', 'price'], ['/billing/change', 'amount']] as const) {
    for (const [name, body] of bodies) requests.push({ name: `POST ${route} with ${name}`, method: 'POST', path: route, body });
    for (const [name, value] of moneyValues) {
      if (route === '/billing/change' && name === 'a negative price') continue; // a withdrawal, not bad input
      requests.push({ name: `POST ${route} with ${field} = ${name}`, method: 'POST', path: route, body: `{"${field}": ${value}}` });
    }
    requests.push({ name: `POST ${route} with an unknown field`, method: 'POST', path: route, body: `{"${field}": 1, "user_id": 1, "status": "processing", "balance": 1e6}` });
    requests.push({ name: `POST ${route} with a huge body`, method: 'POST', path: route, body: `{"${field}": 1, "pad": "${'x'.repeat(1024 * 1024)}"}` });
    requests.push({ name: `POST ${route} as text/plain`, method: 'POST', path: route, body: `{"${field}": 1}`, contentType: 'text/plain' });
    requests.push({ name: `POST ${route} without a session`, method: 'POST', path: route, body: `{"${field}": 1}`, anonymous: true });
    requests.push({ name: `POST ${route} with a forged X-UserId and no session`, method: 'POST', path: route, body: `{"${field}": 1}`, anonymous: true, headers: { 'x-userid': '1' } });
    requests.push({ name: `POST ${route} with a malformed Idempotency-Key`, method: 'POST', path: route, body: `{"${field}": 1}`, headers: { 'idempotency-key': 'a key with spaces' } });
  }
  for (const [name, body] of [
    ['a login with unicode symbols', '{"login": "Ω☃✓", "password": "correct horse", "email": "x@example.com"}'],
    ['a short password', '{"login": "someone_new", "password": "short", "email": "x@example.com"}'],
    ['a bad email', '{"login": "someone_new", "password": "correct horse", "email": "no-at-sign"}'],
    ['a numeric login', '{"login": 12345, "password": "correct horse", "email": "x@example.com"}'],
    ['an unknown field', '{"login": "someone_new", "password": "correct horse", "email": "x@example.com", "is_admin": true}'],
    ['invalid JSON', '{"login": '],
  ] as const) {
    requests.push({ name: `POST /register with ${name}`, method: 'POST', path: '/register', body, anonymous: true });
  }
  for (const [name, body] of [['a missing password', '{"login": "a"}'], ['an object password', '{"login": "a", "password": {"$ne": ""}}'], ['invalid JSON', '{']] as const) {
    requests.push({ name: `POST /login with ${name}`, method: 'POST', path: '/login', body, anonymous: true });
  }
  for (const [name, id] of [['a word', 'abc'], ['zero', '0'], ['a negative', '-1'], ['a decimal', '1.5'], ['20 digits', '99999999999999999999'], ['an unknown id', '987654321']] as const) {
    requests.push({ name: `PUT /order/{${name}}/pay`, method: 'PUT', path: `/order/${id}/pay` });
    requests.push({ name: `POST /order/{${name}}/cancel`, method: 'POST', path: `/order/${id}/cancel` });
    requests.push({ name: `GET /order/{${name}}`, method: 'GET', path: `/order/${id}` });
  }
  for (const path of ['/billing/current', '/billing/transactions', '/notification', '/order', `/order/${orderId}`]) {
    requests.push({ name: `GET ${path} without a session`, method: 'GET', path, anonymous: true });
    requests.push({ name: `GET ${path} with a garbage cookie`, method: 'GET', path, anonymous: true, headers: { cookie: 'session_id=../../etc/passwd' } });
  }
  for (const [list, foreignId] of [['/order', foreign.orderId], ['/billing/transactions', foreign.ledgerEntryId], ['/notification', foreign.letterId]] as const) {
    for (const [name, query] of [
      ["another user's item as the cursor", `before=${foreignId}`],
      ['an id of no item as the cursor', 'before=999999999999999'],
      ['a word as the cursor', 'before=abc'],
      ['a negative cursor', 'before=-1'],
      ['a zero cursor', 'before=0'],
      ['a cursor with a leading zero', `before=0${foreignId}`],
      ['a decimal cursor', 'before=1.5'],
      ['an exponent cursor', 'before=1e3'],
      ['an empty cursor', 'before='],
      ['a 16-digit cursor', `before=${'9'.repeat(16)}`],
      ['a 4000-digit cursor', `before=${'9'.repeat(4000)}`],
      ['an SQL cursor', `before=${encodeURIComponent('1 OR 1=1')}`],
      ['two cursors', `before=${foreignId}&before=1`],
      ['a cursor and a limit of 200', `limit=200&before=${foreignId}`],
      ['a limit of 200', 'limit=200'],
      ['a limit of 0', 'limit=0'],
    ] as const) {
      requests.push({ name: `GET ${list} with ${name}`, method: 'GET', path: `${list}?${query}` });
    }
  }
  requests.push({ name: `PUT /order/${orderId}/pay without a session`, method: 'PUT', path: `/order/${orderId}/pay`, anonymous: true });
  requests.push({ name: 'PUT /internal/accounts/1 through the edge', method: 'PUT', path: '/internal/accounts/1', anonymous: true });
  return requests;
}

describe('bad input at every public route', () => {
  let system: RunningSystem;
  before(async () => {
    system = await bootTestSystem();
  });
  after(() => system.stop());

  test('every malformed request gets a 4xx problem document, never a 5xx, and changes nothing', async () => {
    const other = await signUpAndPay(system.gatewayUrl);
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    await api.call('POST', '/login', { login, password: 'correct horse' });
    await api.call('POST', '/billing/change', { amount: 100 });
    const order = await api.call('POST', '/order', { price: 10 });
    const before = await snapshotDatabases(system.databaseUrls);

    const failures: string[] = [];
    for (const request of corpus(order.body.id, other.items)) {
      const headers: Record<string, string> = { ...request.headers };
      if (request.body !== undefined) headers['content-type'] = request.contentType ?? JSON_TYPE;
      if (!request.anonymous && api.cookie !== undefined) headers.cookie = api.cookie;
      const response = await fetch(`${system.gatewayUrl}${request.path}`, { method: request.method, headers, body: request.body });
      const text = await response.text();
      const isProblem = response.headers.get('content-type')?.startsWith('application/problem+json') ?? false;
      let code: unknown;
      try {
        code = JSON.parse(text).code;
      } catch {
        code = undefined;
      }
      const showsOtherUser = text.includes(other.login) || text.includes(other.secretPrice);
      if (response.status < 400 || response.status >= 500 || !isProblem || typeof code !== 'string' || /at .*\.js|SELECT|INSERT/.test(text) || showsOtherUser) {
        failures.push(`${request.name}: ${response.status} ${text.slice(0, 160)}`);
      }
    }

    assert.deepEqual(failures, []);
    assert.deepEqual(await snapshotDatabases(system.databaseUrls), before);
  });
});

/** Another user with one paid order, so each list of theirs has an item whose id others might try. */
async function signUpAndPay(gatewayUrl: string): Promise<{ login: string; secretPrice: string; items: ForeignItems }> {
  const api = createApiClient(gatewayUrl);
  const login = randomLogin();
  const secretPrice = '4321.09';
  await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
  await api.call('POST', '/login', { login, password: 'correct horse' });
  await api.call('POST', '/billing/change', { amount: 10_000 });
  const order = await api.call('POST', '/order', { price: Number(secretPrice) });
  await api.call('PUT', `/order/${order.body.id}/pay`);
  const [entry] = (await api.call('GET', '/billing/transactions')).body;
  let letters = (await api.call('GET', '/notification')).body;
  // The letter is delivered just after the payment answers.
  for (let attempt = 0; letters.length === 0 && attempt < 50; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    letters = (await api.call('GET', '/notification')).body;
  }
  return { login, secretPrice, items: { orderId: order.body.id, ledgerEntryId: entry.id, letterId: letters[0].id } };
}

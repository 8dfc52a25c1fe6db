import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { withClient } from '@orderflow/db';
import { createIdentitySigner } from '@orderflow/kit';
import type { RunningSystem, ServiceName } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';
import { NGINX, startNginxEdge, type NginxEdge } from '../support/nginx.js';
import { sendRaw } from '../support/raw-http.js';

/**
 * The critical hole of issue #12 and its neighbours, each request as the attacker sent it: a signed-in
 * user reaching the services' internal routes through the edge with path tricks, anyone reaching them
 * on a service's own port, and a caller claiming a user with bare identity headers.
 */
describe('security: internal routes and identity', () => {
  let system: RunningSystem;
  let edge: NginxEdge | undefined;
  const urlOf = (service: ServiceName) => system.processes.find((p) => p.service === service)!.url;

  before(async () => {
    system = await bootTestSystem();
    if (NGINX !== undefined) edge = await startNginxEdge(system);
  });
  after(async () => {
    await edge?.stop();
    await system.stop();
  });

  async function signUp(balance = 0) {
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    assert.equal((await api.call('POST', '/login', { login, password: 'correct horse' })).status, 200);
    if (balance > 0) await api.call('POST', '/billing/change', { amount: balance });
    const { id } = (await api.call('GET', '/auth')).body as { id: number };
    return { api, id, cookie: api.cookie! };
  }

  async function balanceOf(user: Awaited<ReturnType<typeof signUp>>): Promise<number> {
    return ((await user.api.call('GET', '/billing/current')).body as { balance: number }).balance;
  }

  async function countLetters(userId: number): Promise<number> {
    const { rows } = await withClient(system.databaseUrls.notification, (client) => client.query<{ n: number }>('SELECT count(*)::int AS n FROM letters WHERE user_id = $1', [userId]));
    return rows[0]!.n;
  }

  // The seven spellings of the report, and near relatives: backslash traversal, encoded dots and
  // slashes, and a plain /internal, each aimed at the internal route that hurts most.
  const traversals = (target: string) => [
    `/billing/x\\..\\..\\%69nternal/${target}`,
    `/billing/x\\..\\..\\internal/${target}`,
    `/billing/..%2f%69nternal/${target}`,
    `/billing/%2e%2e/%69nternal/${target}`,
    `/order/1/..\\..\\..\\internal/${target}`,
    `/notification/%5c..%5c%69nternal/${target}`,
    `/%69nternal/${target}`,
  ];

  test("when a signed-in user aims the reported path tricks at billing's internal payments through the gateway, then none is served and the victim keeps every cent", async () => {
    const victim = await signUp(100);
    const attacker = await signUp();
    const body = JSON.stringify({ order_id: 9_000_000_000_011, user_id: victim.id, amount_minor: 5000 });

    const answers = [];
    for (const path of traversals('payments')) {
      answers.push(await sendRaw(system.gatewayUrl, `POST ${path} HTTP/1.1\nCookie: ${attacker.cookie}\nContent-Type: application/json`, { body }));
    }

    for (const [index, answer] of answers.entries()) {
      assert.ok(answer.status === 400 || answer.status === 404, `${traversals('payments')[index]} → ${answer.status} ${answer.body}`);
      assert.match(answer.headers['content-type'] ?? '', /application\/problem\+json/);
    }
    assert.equal(await balanceOf(victim), 100);
  });

  test('when the same path tricks go through nginx filled from the template, then none is served either', { skip: NGINX === undefined ? 'nginx not installed' : false }, async () => {
    const victim = await signUp(100);
    const attacker = await signUp();
    const body = JSON.stringify({ order_id: 9_000_000_000_012, user_id: victim.id, amount_minor: 5000 });

    for (const path of traversals('payments')) {
      const answer = await sendRaw(edge!.url, `POST ${path} HTTP/1.1\nCookie: ${attacker.cookie}\nContent-Type: application/json`, { body });
      assert.ok(answer.status >= 400 && answer.status < 500, `${path} → ${answer.status} ${answer.body}`);
    }
    assert.equal(await balanceOf(victim), 100);
  });

  test("when letters and refunds are aimed at another user's inbox and orders through the gateway, then nothing is stored", async () => {
    const victim = await signUp(100);
    const attacker = await signUp();
    const letter = JSON.stringify({ delivery_id: 'order-1-order.processing', user_id: victim.id, order_id: 1, email: 'v@example.com', event: 'order.processing', message: 'Order #1 Processing' });

    for (const path of [...traversals('letters'), ...traversals('refunds')]) {
      const answer = await sendRaw(system.gatewayUrl, `POST ${path} HTTP/1.1\nCookie: ${attacker.cookie}\nContent-Type: application/json`, { body: letter });
      assert.ok(answer.status === 400 || answer.status === 404, `${path} → ${answer.status}`);
    }
    assert.equal(await countLetters(victim.id), 0);
    assert.equal(await balanceOf(victim), 100);
  });

  test("when the services' own /metrics, /docs/json and /health/ready are asked for through the gateway, then 404", async () => {
    const user = await signUp();
    for (const path of ['/billing/../metrics', '/order/..%2fdocs/json', '/billing/x\\..\\..\\metrics', '/order/x\\..\\..\\docs/json', '/order/x\\..\\..\\health/ready', '/metrics', '/docs/json', '/health/ready/../ready']) {
      const answer = await sendRaw(system.gatewayUrl, `GET ${path} HTTP/1.1\nCookie: ${user.cookie}`);
      assert.ok(answer.status === 400 || answer.status === 404, `${path} → ${answer.status}`);
    }
  });

  for (const [service, method, path, body] of [
    ['billing', 'PUT', '/%69nternal/accounts/424242', undefined],
    ['billing', 'POST', '/%69nternal/payments', { order_id: 9_000_000_000_013, user_id: 1, amount_minor: 100 }],
    ['billing', 'POST', '/%69nternal/refunds', { order_id: 9_000_000_000_013, user_id: 1 }],
    ['billing', 'POST', '/internal/payments', { order_id: 9_000_000_000_014, user_id: 1, amount_minor: 100 }],
    ['billing', 'POST', '/%49NTERNAL/payments', { order_id: 9_000_000_000_015, user_id: 1, amount_minor: 100 }],
    ['notification', 'POST', '/%69nternal/letters', { delivery_id: 'forged-1', user_id: 1, order_id: 1, email: 'x@example.com', event: 'order.processing', message: 'x' }],
    ['notification', 'POST', '/i%6Eternal/letters', { delivery_id: 'forged-2', user_id: 1, order_id: 1, email: 'x@example.com', event: 'order.processing', message: 'x' }],
  ] as const) {
    test(`when ${method} ${path} is sent straight to ${service}'s port without the internal token, then it is refused`, async () => {
      const answer = await sendRaw(urlOf(service), `${method} ${path} HTTP/1.1${body === undefined ? '' : '\nContent-Type: application/json'}`, { body: body === undefined ? undefined : JSON.stringify(body) });

      // 401 from the guard on a route that exists; 404 when the spelling matches no route at all.
      assert.ok(answer.status === 401 || answer.status === 404, `${answer.status} ${answer.body}`);
      if (path.toLowerCase().includes('nternal/') && !path.includes('%49NTERNAL')) assert.equal(answer.status, 401, answer.body);
    });
  }

  test('when the internal spelling trick opens an account straight at billing, then no account is opened', async () => {
    const userId = 700_000_000 + Math.floor(Math.random() * 1_000_000);

    await sendRaw(urlOf('billing'), `PUT /%69nternal/accounts/${userId} HTTP/1.1`);

    const { rows } = await withClient(system.databaseUrls.billing, (client) => client.query('SELECT 1 FROM accounts WHERE user_id = $1', [userId]));
    assert.equal(rows.length, 0);
  });

  test('when a caller on the cluster network claims a user with bare identity headers, a tampered token or a token of another key, then every service refuses it', async () => {
    const victim = await signUp(100);
    const attacker = await signUp();
    const attackerToken = String((await fetch(`${urlOf('auth')}/auth`, { headers: { cookie: attacker.cookie } })).headers.get('x-identity-token'));
    const [header, payload, signature] = attackerToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: String(victim.id) })).toString('base64url')}.${signature}`;
    const identity = { userId: victim.id, login: 'v', email: 'v@example.com', firstName: '', lastName: '' };
    const foreign = await createIdentitySigner(generateKeyPairSync('ed25519').privateKey, 60).sign(identity);
    const reads = [
      ['billing', '/billing/current'],
      ['order', '/order'],
      ['notification', '/notification'],
    ] as const;

    for (const [service, path] of reads) {
      for (const [kind, headers] of [
        ['bare X-UserId', { 'x-userid': String(victim.id) }],
        ['tampered token', { 'x-userid': String(victim.id), 'x-identity-token': tampered }],
        ['token of another key', { 'x-userid': String(victim.id), 'x-identity-token': foreign }],
      ] as const) {
        const response = await fetch(`${urlOf(service)}${path}`, { headers });
        assert.equal(response.status, 401, `${service} ${path} with a ${kind}`);
      }
    }
    // The attacker's own valid token beside the victim's X-UserId is the attacker, not the victim.
    const own = await fetch(`${urlOf('billing')}/billing/current`, { headers: { 'x-identity-token': attackerToken, 'x-userid': String(victim.id) } });
    assert.equal(((await own.json()) as { user_id: number }).user_id, attacker.id);
  });
});

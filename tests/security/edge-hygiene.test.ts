import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { RunningSystem, ServiceName } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';
import { sendRaw } from '../support/raw-http.js';

/**
 * The lesser findings of issue #12, each as the probe sent it: CSRF from another origin of the same
 * site, a login flood, lockout bypass on auth's own port, a cookie spelled another way after logout,
 * odd URLs, the gateway's /metrics, slow clients, request ids and ids beyond 2^53.
 */
describe('security: the edge and the services refuse what the probe tried', () => {
  let system: RunningSystem;
  const urlOf = (service: ServiceName) => system.processes.find((p) => p.service === service)!.url;
  const gatewayHost = () => new URL(system.gatewayUrl).host;

  before(async () => {
    // The edge's real credential limit (the default: 10 per 10 s), and a short header deadline.
    system = await bootTestSystem({ serviceEnv: { gateway: { CREDENTIAL_RATE_LIMIT: '10', CREDENTIAL_RATE_WINDOW_MS: '10000', HEADERS_TIMEOUT_MS: '1000' } } });
  });
  after(() => system.stop());

  /** A user signed up over auth's own port, so the edge's credential limit is kept for the tests of it. */
  async function signUp(balance = 0) {
    const login = randomLogin();
    const auth = createApiClient(urlOf('auth'));
    await auth.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    await auth.call('POST', '/login', { login, password: 'correct horse' });
    const api = createApiClient(system.gatewayUrl);
    api.cookie = auth.cookie;
    if (balance > 0) await api.call('POST', '/billing/change', { amount: balance });
    return { api, login, cookie: auth.cookie! };
  }

  test('when a client sends its headers too slowly, then the gateway closes the connection', async () => {
    const socket = net.connect(Number(new URL(system.gatewayUrl).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /health/live HTTP/1.1\r\nHost: ${gatewayHost()}\r\nX-Slow: `);
    // Read what comes (a 408), or a paused socket would never see the server's close.
    socket.resume();
    const closed = new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 6_000);
    });

    assert.equal(await closed, true, 'still open 6 s after the 1 s header deadline');
    socket.destroy();
  });

  test('when a page on another port of the same host auto-submits a text/plain form to cancel an order, then it is refused and the order stands', async () => {
    const user = await signUp(100);
    const order = (await user.api.call('POST', '/order', { price: 10 })).body as { id: number };
    await user.api.call('PUT', `/order/${order.id}/pay`);
    const otherOrigin = `http://127.0.0.1:${Number(new URL(system.gatewayUrl).port) + 1000}`;

    const formPost = await user.api.call('POST', `/order/${order.id}/cancel`, 'x=1', { 'content-type': 'text/plain', origin: otherOrigin, 'sec-fetch-site': 'same-site' });
    const olderBrowser = await user.api.call('POST', `/order/${order.id}/cancel`, 'x=1', { 'content-type': 'text/plain', origin: otherOrigin });
    const plainText = await user.api.call('POST', `/order/${order.id}/cancel`, 'x=1', { 'content-type': 'text/plain' });

    assert.equal(formPost.status, 403);
    assert.equal(formPost.body.code, 'request.cross_site');
    assert.equal(olderBrowser.status, 403);
    assert.equal(plainText.status, 415);
    assert.equal(((await user.api.call('GET', `/order/${order.id}`)).body as { status: string }).status, 'processing');
  });

  test('when the storefront itself writes, with its own Origin and same-origin fetch metadata, then it is served', async () => {
    const user = await signUp(100);

    const sameOrigin = await user.api.call('POST', '/order', { price: 1 }, { origin: system.gatewayUrl, 'sec-fetch-site': 'same-origin' });
    const sameOriginOld = await user.api.call('POST', '/order', { price: 1 }, { origin: system.gatewayUrl });

    assert.equal(sameOrigin.status, 200);
    assert.equal(sameOriginOld.status, 200);
  });

  test('when one address floods the edge with logins under unknown names, then it is cut off while a user elsewhere logs in', async () => {
    const user = await signUp();
    const flood = await Promise.all(
      Array.from({ length: 40 }, () =>
        sendRaw(system.gatewayUrl, 'POST /login HTTP/1.1\nContent-Type: application/json', { body: JSON.stringify({ login: randomLogin(), password: 'wrong password' }), localAddress: '127.0.0.2', timeoutMs: 20_000 }),
      ),
    );

    const legitimate = await sendRaw(system.gatewayUrl, 'POST /login HTTP/1.1\nContent-Type: application/json', { body: JSON.stringify({ login: user.login, password: 'correct horse' }), localAddress: '127.0.0.3' });

    const refused = flood.filter((answer) => answer.status === 429);
    assert.ok(refused.length >= 30, `only ${refused.length} of 40 refused`);
    assert.match(refused[0]!.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.ok(Number(refused[0]!.headers['retry-after']) > 0);
    assert.equal(legitimate.status, 200, legitimate.body);
  });

  test("when wrong passwords are sent straight to auth's port, each with another X-Forwarded-For, then the login is still locked", async () => {
    const user = await signUp();
    const statuses: number[] = [];

    for (let attempt = 0; attempt < 8; attempt++) {
      const answer = await sendRaw(urlOf('auth'), `POST /login HTTP/1.1\nContent-Type: application/json\nX-Forwarded-For: 203.0.113.${attempt + 1}`, {
        body: JSON.stringify({ login: user.login, password: 'wrong password' }),
        // Not the edge's address: its X-Forwarded-For is not believed.
        localAddress: '127.0.0.4',
      });
      statuses.push(answer.status);
    }

    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.deepEqual(statuses.slice(5), [429, 429, 429]);
  });

  test('when a session cookie is sent percent-encoded after logout, then it is refused at once', async () => {
    const user = await signUp();
    const token = user.cookie.slice('session_id='.length);
    const encoded = `session_id=${token.slice(0, -1)}%${token.charCodeAt(token.length - 1).toString(16).toUpperCase()}`;
    const read = () => sendRaw(system.gatewayUrl, `GET /billing/current HTTP/1.1\nCookie: ${encoded}`);
    assert.equal((await read()).status, 200);

    await user.api.call('GET', '/logout');

    assert.equal((await read()).status, 401);
  });

  for (const [label, line] of [
    ['a query that does not decode', 'GET /order?x=%zz HTTP/1.1'],
    ['a lone percent sign', 'GET /order?% HTTP/1.1'],
    ['an absolute-form target', 'GET http://127.0.0.1/order HTTP/1.1'],
    ['a path that does not decode', 'GET /order/%zz HTTP/1.1'],
  ] as const) {
    test(`when a request has ${label}, then the gateway and the service both answer a 400 problem`, async () => {
      const user = await signUp();
      const atGateway = await sendRaw(system.gatewayUrl, `${line}\nCookie: ${user.cookie}`);
      const atService = await sendRaw(urlOf('order'), line);

      for (const answer of [atGateway, atService]) {
        assert.equal(answer.status, 400, answer.body);
        assert.match(answer.headers['content-type'] ?? '', /application\/problem\+json/);
        assert.equal((JSON.parse(answer.body) as { code: string }).code, 'request.malformed_url');
      }
    });
  }

  test("when /metrics is asked for on the gateway's public port, then 404; on its metrics port it is served", async () => {
    const gateway = system.processes.find((p) => p.service === 'gateway')!;

    const publicPort = await fetch(`${system.gatewayUrl}/metrics`);
    const metricsPort = await fetch(`${gateway.metricsUrl}/metrics`);

    assert.equal(publicPort.status, 404);
    assert.equal(metricsPort.status, 200);
    assert.match(await metricsPort.text(), /http_requests_total/);
  });

  test('when a client asks for Connection: close, then the gateway closes after a proxied answer', async () => {
    const user = await signUp();

    const answer = await sendRaw(system.gatewayUrl, `GET /billing/current HTTP/1.1\nCookie: ${user.cookie}\nConnection: close`, { observeClose: true });

    assert.equal(answer.status, 200);
    assert.equal(answer.closed, true);
  });

  test('when a client sends an x-request-id, then only a short safe one is kept; anything else is replaced', async () => {
    const safe = await fetch(`${system.gatewayUrl}/health/live`, { headers: { 'x-request-id': 'client-abc.123' } });
    const long = await fetch(`${system.gatewayUrl}/health/live`, { headers: { 'x-request-id': 'a'.repeat(200) } });
    const markup = await fetch(`${system.gatewayUrl}/health/live`, { headers: { 'x-request-id': '<script>alert(1)</script>' } });

    assert.equal(safe.headers.get('x-request-id'), 'client-abc.123');
    assert.match(long.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.match(markup.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('when an id is beyond 2^53 − 1, then the schema refuses it rather than rounding it', async () => {
    const user = await signUp();

    const read = await user.api.call('GET', '/order/10000000000000000');
    const pay = await user.api.call('PUT', '/order/9007199254740993/pay');

    assert.equal(read.status, 400);
    assert.equal(pay.status, 400);
    assert.doesNotMatch(JSON.stringify(read.body), /10000000000000000 does not exist/);
  });
});

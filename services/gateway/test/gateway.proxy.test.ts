import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStubPeer, type StubPeer } from '@orderflow/kit/testing';
import type { ServiceApp } from '@orderflow/kit';
import { buildGatewayApp } from '../src/app.js';
import { createReplicas } from '@orderflow/http-client';
import { createUpstreamAgent } from '../src/upstreams.js';
import { createForwardAuth } from '../src/clients/forward-auth.client.js';
import { createSessionCache } from '../src/session-cache.js';

const VALID_COOKIE = 'session_id=valid';

describe('gateway routing and forward auth', () => {
  let app: ServiceApp;
  const upstreamAgent = createUpstreamAgent(1000);
  let auth: StubPeer;
  let billing: StubPeer;
  let order: StubPeer;
  let notification: StubPeer;
  let deadUrl: string;

  before(async () => {
    // The stub answers /auth with the identity headers the way auth does.
    const identityHeaders = { 'x-userid': '7', 'x-user': 'ada', 'x-email': 'ada%40example.com', 'x-first-name': '', 'x-last-name': '' };
    auth = await startIdentityAuth(identityHeaders);
    billing = await startStubPeer(() => ({ status: 200, body: { service: 'billing' } }));
    order = await startStubPeer(() => ({ status: 200, body: { service: 'order' } }));
    notification = await startStubPeer(() => ({ status: 200, body: { service: 'notification' } }));
    const dead = await startStubPeer(() => ({ status: 200 }));
    deadUrl = dead.url;
    await dead.close();
    const upstreams = {
      auth: createReplicas('auth', [auth.url]),
      billing: createReplicas('billing', [billing.url]),
      // One replica is down: requests must fail over to the live one.
      order: createReplicas('order', [deadUrl, order.url]),
      notification: createReplicas('notification', [notification.url]),
    };
    app = buildGatewayApp({ upstreams, upstreamAgent, forwardAuth: createForwardAuth(upstreams.auth, createSessionCache({ ttlMs: 0 }), upstreamAgent), upstreamTimeoutMs: 1000, credentialRateLimit: { max: 1000, windowMs: 10_000 }, logLevel: false });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await upstreamAgent.close();
    await Promise.all([auth, billing, order, notification].map((peer) => peer.close()));
  });

  test('when a protected route comes with a valid session, then identity headers from auth reach the service and forged ones do not', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/billing/change',
      headers: { cookie: VALID_COOKIE, 'content-type': 'application/json', 'x-userid': '1', 'x-email': 'evil@example.com' },
      payload: '{"amount": 5}',
    });

    assert.equal(response.statusCode, 200);
    const call = billing.calls.at(-1)!;
    assert.equal(call.headers['x-userid'], '7');
    assert.equal(call.headers['x-email'], 'ada%40example.com');
    assert.equal(call.headers.cookie, undefined, 'credentials stay at the edge');
    assert.deepEqual(call.body, { amount: 5 });
    assert.ok(call.headers['x-request-id']);
  });

  test('when there is no valid session, then 401 and the service is never called', async () => {
    const before = notification.calls.length;

    const response = await app.inject({ method: 'GET', url: '/notification', headers: { 'x-userid': '7' } });

    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, 'auth.unauthenticated');
    assert.equal(notification.calls.length, before);
  });

  test('when auth routes are called, then they pass without a session check and keep the cookie', async () => {
    const response = await app.inject({ method: 'POST', url: '/login', headers: { cookie: 'session_id=old', 'content-type': 'application/json' }, payload: '{"login":"a","password":"b"}' });

    assert.equal(response.statusCode, 200);
    const call = auth.calls.at(-1)!;
    assert.equal(call.url, '/login');
    assert.equal(call.headers.cookie, 'session_id=old');
  });

  for (const [method, url] of [['PUT', '/internal/accounts/7'], ['POST', '/internal/payments'], ['GET', '/billing'], ['GET', '/orders'], ['GET', '/docs/json'], ['GET', '/docs/static/index.html']] as const) {
    test(`when ${method} ${url} is requested, then 404 problem`, async () => {
      const response = await app.inject({ method, url, headers: { cookie: VALID_COOKIE } });

      assert.equal(response.statusCode, 404);
      assert.equal(response.json().code, 'route.not_found');
    });
  }

  test('when one replica refuses connections, then every request is served by the other', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => app.inject({ method: 'GET', url: '/order', headers: { cookie: VALID_COOKIE } })));

    assert.deepEqual(responses.map((r) => r.statusCode), [200, 200, 200, 200, 200, 200]);
  });
});

/** An auth stub that answers GET /auth with identity headers for the valid cookie. */
async function startIdentityAuth(identity: Record<string, string>, isAlive: () => boolean = () => true, onLogout: () => void = () => {}): Promise<StubPeer> {
  const { createServer } = await import('node:http');
  const calls: StubPeer['calls'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined });
      if (request.url === '/logout') onLogout();
      if (request.url === '/auth') {
        if (request.headers.cookie === VALID_COOKIE && isAlive()) response.writeHead(200, { 'content-type': 'application/json', ...identity }).end('{"id":7}');
        else response.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"code":"auth.unauthenticated"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    respondWith: () => {},
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('gateway with the session cache on', () => {
  test('when requests repeat, then auth is asked once; when the user logs out, then the next request is refused', async () => {
    let isSessionAlive = true;
    const authWithHeaders = await startIdentityAuth({ 'x-userid': '7', 'x-session-expires-at': String(Date.now() + 3_600_000) }, () => isSessionAlive, () => {
      isSessionAlive = false;
    });
    const billing = await startStubPeer(() => ({ status: 200, body: { balance: 1 } }));
    const upstreams = {
      auth: createReplicas('auth', [authWithHeaders.url]),
      billing: createReplicas('billing', [billing.url]),
      order: createReplicas('order', [billing.url]),
      notification: createReplicas('notification', [billing.url]),
    };
    const upstreamAgent = createUpstreamAgent(1000);
    const app = buildGatewayApp({ upstreams, upstreamAgent, forwardAuth: createForwardAuth(upstreams.auth, createSessionCache({ ttlMs: 5000 }), upstreamAgent), upstreamTimeoutMs: 1000, credentialRateLimit: { max: 1000, windowMs: 10_000 }, logLevel: false });
    await app.ready();
    const checks = () => authWithHeaders.calls.filter((c) => c.url === '/auth').length;

    for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: 'GET', url: '/billing/current', headers: { cookie: VALID_COOKIE } })).statusCode, 200);
    const checksBeforeLogout = checks();
    const logout = await app.inject({ method: 'GET', url: '/logout', headers: { cookie: VALID_COOKIE } });
    const afterLogout = await app.inject({ method: 'GET', url: '/billing/current', headers: { cookie: VALID_COOKIE } });

    await app.close();
    await upstreamAgent.close();
    await Promise.all([authWithHeaders.close(), billing.close()]);
    assert.equal(checksBeforeLogout, 1);
    assert.equal(logout.statusCode, 200);
    assert.equal(afterLogout.statusCode, 401);
  });
});

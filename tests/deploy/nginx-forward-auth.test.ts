import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import newman from 'newman';
import { repoRoot, type RunningSystem } from '@orderflow/stack';
import { walkPages } from '@orderflow/kit/testing';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';
import { NGINX, startNginxEdge, type NginxEdge } from '../support/nginx.js';

const skip = NGINX === undefined ? 'nginx not installed: apt-get install nginx' : false;

async function signUp(baseUrl: string) {
  const api = createApiClient(baseUrl);
  const login = randomLogin();
  await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
  assert.equal((await api.call('POST', '/login', { login, password: 'correct horse' })).status, 200);
  const profile = (await api.call('GET', '/auth')).body as { id: number; email: string };
  return { api, profile };
}

describe('deploy/nginx/orderflow.conf.template: real nginx with auth_request in front of the four services', { skip }, () => {
  let system: RunningSystem | undefined;
  let edge: NginxEdge | undefined;
  before(async () => {
    system = await bootTestSystem();
    edge = await startNginxEdge(system);
  });
  after(async () => {
    try {
      await edge?.stop();
    } finally {
      await system?.stop();
    }
  });

  test('when newman runs the Postman collection through nginx, then every request and assertion passes', async () => {
    const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) => {
      newman.run(
        {
          collection: path.join(repoRoot, 'tests', 'postman', 'order.postman_collection.json'),
          envVar: [{ key: 'baseUrl', value: edge!.url }],
          reporters: ['cli'],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });

    assert.deepEqual(summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`), []);
    assert.equal(summary.run.stats.requests.total, 13);
    assert.equal(summary.run.stats.assertions.failed, 0);
  });

  test('when a client pages through its orders through nginx, then each Link names the path nginx serves and leads to the older orders', async () => {
    const { api } = await signUp(edge!.url);
    const ids: number[] = [];
    for (const price of [1, 2, 3]) ids.push((await api.call('POST', '/order', { price })).body.id);

    const walk = await walkPages<{ id: number }>('/order?limit=2', async (url) => {
      const response = await api.call('GET', url);
      return { status: response.status, body: response.body, link: response.headers.get('link') ?? undefined };
    });

    assert.deepEqual(walk.urls, ['/order?limit=2', `/order?limit=2&before=${ids[1]}`]);
    assert.deepEqual(walk.items.map((order) => order.id), [...ids].reverse());
  });

  test('when a logged-in client forges X-UserId and X-Email, then the services see the identity auth vouches for', async () => {
    const victim = await signUp(edge!.url);
    const attacker = await signUp(edge!.url);
    await victim.api.call('POST', '/billing/change', { amount: 100 });
    const forged = { 'x-userid': String(victim.profile.id), 'x-email': victim.profile.email };

    const account = await attacker.api.call('GET', '/billing/current', undefined, forged);
    const order = await attacker.api.call('POST', '/order', { price: 10 }, forged);
    await attacker.api.call('PUT', `/order/${order.body.id}/pay`, undefined, forged);
    const letters = await attacker.api.call('GET', '/notification', undefined, forged);

    assert.equal(account.status, 200);
    assert.equal(account.body.user_id, attacker.profile.id, 'billing acted on the forged X-UserId');
    assert.equal(account.body.balance, 0);
    assert.equal(order.body.user_id, attacker.profile.id, 'order acted on the forged X-UserId');
    assert.deepEqual(letters.body.map((l: { email: string }) => l.email), [attacker.profile.email], 'order wrote the forged X-Email');
    assert.deepEqual((await victim.api.call('GET', '/order')).body, []);
  });

  test('when a client without a session forges X-UserId, then nginx redirects to /signin, which answers 401 with no data', async () => {
    const victim = await signUp(edge!.url);
    const forged = { 'x-userid': String(victim.profile.id) };

    const redirect = await fetch(`${edge!.url}/billing/current`, { headers: forged, redirect: 'manual' });
    await redirect.arrayBuffer();
    const followed = await fetch(`${edge!.url}/billing/current`, { headers: forged });
    const body = (await followed.json()) as Record<string, unknown>;
    const created = await fetch(`${edge!.url}/order`, { method: 'POST', headers: { ...forged, 'content-type': 'application/json' }, body: '{"price":1}' });
    await created.arrayBuffer();

    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), `${edge!.url}/signin`);
    assert.equal(followed.status, 401);
    assert.equal(followed.url, `${edge!.url}/signin`);
    assert.equal(body.status, 401);
    assert.equal(body.user_id, undefined);
    assert.equal(body.balance, undefined);
    assert.equal(created.status, 401);
    assert.deepEqual((await victim.api.call('GET', '/order')).body, []);
  });

  test('when /internal routes are called through nginx, even with the internal token, then nginx answers 404 itself', async () => {
    const token = system!.processes.find((p) => p.service === 'billing')?.env.INTERNAL_TOKEN;
    assert.ok(token);

    for (const [method, route, body] of [['PUT', '/internal/accounts/1', undefined], ['POST', '/internal/payments', '{"order_id":1,"user_id":1,"amount_minor":1}']] as const) {
      const response = await fetch(`${edge!.url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

      assert.equal(response.status, 404, `${method} ${route}`);
      assert.equal(((await response.json()) as { detail: string }).detail, 'No route.', `${method} ${route}`);
    }
  });
});

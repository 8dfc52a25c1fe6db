import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import newman from 'newman';
import { repoRoot, type RunningSystem } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';

// Both ways the processes reach each other: TCP, as in Kubernetes, and Unix sockets, as `npm start`.
for (const transport of ['tcp', 'unix'] as const) {
  describe(`the seed flow through the gateway, every service a real process, over ${transport}`, () => {
    let system: RunningSystem;
    before(async () => {
      system = await bootTestSystem({ transport });
      // With unix, the gateway and the services know their peers only by socket: the flow cannot pass over TCP.
      const gateway = system.processes.find((p) => p.service === 'gateway')!;
      assert.equal(gateway.env.ORDER_URL?.startsWith('unix:'), transport === 'unix');
    });
    after(() => system.stop());

    test('register, log in, top up, pay one order, fail the next, read balance and letters, log out', async () => {
      const api = createApiClient(system.gatewayUrl);
      const login = randomLogin();

      const registered = await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
      assert.equal(registered.status, 200);
      const loggedIn = await api.call('POST', '/login', { login, password: 'correct horse' });
      assert.equal(loggedIn.status, 200);
      assert.ok(api.cookie?.startsWith('session_id='));
      assert.equal((await api.call('POST', '/billing/change', { amount: 5000 })).body.balance, 5000);

      const first = await api.call('POST', '/order', { price: 3000 });
      assert.equal(first.status, 200);
      assert.equal(first.body.status, 'new');
      const paid = await api.call('PUT', `/order/${first.body.id}/pay`);
      assert.equal(paid.status, 200);
      assert.equal(paid.body.status, 'processing');
      assert.equal(paid.body.billing.status, 'OK');
      assert.equal((await api.call('GET', '/billing/current')).body.balance, 2000);
      const happy = (await api.call('GET', '/notification')).body;
      assert.match(happy[0].message, new RegExp(`#${first.body.id} Processing`));

      const second = await api.call('POST', '/order', { price: 3000 });
      const refused = await api.call('PUT', `/order/${second.body.id}/pay`);
      assert.equal(refused.status, 200);
      assert.equal(refused.body.status, 'failed');
      assert.equal(refused.body.billing.status, 'ERROR');
      assert.equal((await api.call('GET', '/billing/current')).body.balance, 2000);
      const letters = (await api.call('GET', '/notification')).body;
      assert.equal(letters.length, 2);
      assert.match(letters[0].message, new RegExp(`#${second.body.id} Failed`));

      assert.equal((await api.call('GET', '/logout')).status, 200);
      for (const [method, route] of [['GET', '/billing/current'], ['GET', '/order'], ['GET', '/notification'], ['GET', '/auth'], ['POST', '/order']] as const) {
        assert.equal((await api.call(method, route, method === 'POST' ? { price: 1 } : undefined)).status, 401, `${method} ${route} after logout`);
      }
    });

    test('when a password is wrong, then 401, and after five failures the login is blocked with 429 (auth knows the client over either transport)', async () => {
      const api = createApiClient(system.gatewayUrl);
      const login = randomLogin();
      assert.equal((await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` })).status, 200);

      for (let failure = 1; failure <= 5; failure++) {
        const wrong = await api.call('POST', '/login', { login, password: 'wrong horse' });
        assert.equal(wrong.status, 401, `failure ${failure}: ${JSON.stringify(wrong.body)}`);
      }
      const blocked = await api.call('POST', '/login', { login, password: 'correct horse' });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.code, 'auth.too_many_attempts');
    });

    test('when a client forges X-UserId, then it is overwritten by the session’s identity or refused', async () => {
      const victim = createApiClient(system.gatewayUrl);
      const attacker = createApiClient(system.gatewayUrl);
      for (const [api, login] of [[victim, randomLogin()], [attacker, randomLogin()]] as const) {
        await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
        await api.call('POST', '/login', { login, password: 'correct horse' });
      }
      await victim.call('POST', '/billing/change', { amount: 100 });
      const victimId = (await victim.call('GET', '/auth')).body.id;

      const forgedWithSession = await attacker.call('GET', '/billing/current', undefined, { 'x-userid': String(victimId) });
      const forgedWithoutSession = await fetch(`${system.gatewayUrl}/billing/current`, { headers: { 'x-userid': String(victimId) } });

      assert.equal(forgedWithSession.status, 200);
      assert.notEqual(forgedWithSession.body.user_id, victimId);
      assert.equal(forgedWithSession.body.balance, 0);
      assert.equal(forgedWithoutSession.status, 401);
    });

    test('when /internal routes are called through the gateway, then 404 even with the right shape', async () => {
      for (const [method, route] of [['PUT', '/internal/accounts/1'], ['POST', '/internal/payments'], ['POST', '/internal/letters'], ['GET', '/billing'], ['GET', '/orders']] as const) {
        const response = await fetch(`${system.gatewayUrl}${route}`, { method });
        assert.equal(response.status, 404, `${method} ${route}`);
        assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      }
    });

    test('the Postman collection passes under newman', async () => {
      const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) => {
        newman.run(
          {
            collection: path.join(repoRoot, 'tests', 'postman', 'order.postman_collection.json'),
            envVar: [{ key: 'baseUrl', value: system.gatewayUrl }],
            reporters: ['cli'],
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
      });

      assert.deepEqual(summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`), []);
      assert.equal(summary.run.stats.requests.total, 13);
      assert.equal(summary.run.stats.assertions.failed, 0);
      assert.ok((summary.run.stats.assertions.total ?? 0) >= 13);
    });
  });
}

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crashPostgres, startScratchPostgres, type EmbeddedPostgresHandle, type RunningSystem } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';

/** Well under the clients' timeouts: a request to a service whose database is down must not hang. */
const PROMPT_MS = 2_000;
/** How soon after the database is back every process serves again, by itself. */
const READY_AGAIN_MS = 15_000;

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
}

async function readiness(url: string): Promise<number> {
  return (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) })).status;
}

async function waitUntilEveryServiceIsReady(system: RunningSystem, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const statuses = await Promise.all(system.processes.map((process) => readiness(process.url).catch(() => 0)));
    if (statuses.every((status) => status === 200)) return performance.now() - started;
    if (performance.now() - started > timeoutMs) assert.fail(`not every process was ready ${timeoutMs} ms after the database came back: ${statuses.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('PostgreSQL crashes under the running system, and comes back', () => {
  let postgres: EmbeddedPostgresHandle;
  let system: RunningSystem;
  before(async () => {
    // A server of this test's own, so crashing it touches no other test.
    postgres = await startScratchPostgres('database-crash');
    system = await bootTestSystem({ adminUrl: postgres.adminUrl });
  });
  after(async () => {
    await system?.stop();
    await postgres?.stop();
  });

  test('while it is down, requests answer 503 with Retry-After at once and readiness is false; after, the same processes serve again', async () => {
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    assert.equal((await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` })).status, 200);
    assert.equal((await api.call('POST', '/login', { login, password: 'correct horse' })).status, 200);
    assert.equal((await api.call('POST', '/billing/change', { amount: 5000 })).status, 200);
    const pids = system.processes.map((process) => process.child?.pid);

    const crashed = await crashPostgres(postgres.adminUrl);

    const other = createApiClient(system.gatewayUrl);
    for (const [method, path, client, body] of [
      ['POST', '/login', other, { login, password: 'correct horse' }],
      ['GET', '/billing/current', api, undefined],
      ['POST', '/order', api, { price: 100 }],
      ['GET', '/notification', api, undefined],
    ] as const) {
      const { result, ms } = await timed(() => client.call(method, path, body));
      assert.equal(result.status, 503, `${method} ${path}: ${JSON.stringify(result.body)}`);
      assert.ok(Number(result.headers.get('retry-after')) > 0, `${method} ${path} says when to retry`);
      assert.match(result.body.code, /^(database|auth)\.unavailable$/, `${method} ${path}`);
      assert.ok(ms < PROMPT_MS, `${method} ${path} answered in ${Math.round(ms)} ms`);
    }
    const services = system.processes.filter((process) => process.service !== 'gateway');
    for (const process of services) {
      const { result: ready, ms } = await timed(() => readiness(process.url));
      assert.equal(ready, 503, `${process.service} is not ready`);
      assert.ok(ms < 1_000, `${process.service} answered readiness in ${Math.round(ms)} ms`);
      assert.equal((await fetch(`${process.url}/health/live`)).status, 200, `${process.service} is still alive`);
    }
    // The gateway can still serve (each upstream's 503 problem): it stays ready, so the edge keeps a door open.
    const gateway = system.processes.find((process) => process.service === 'gateway')!;
    assert.equal(await readiness(gateway.url), 200);

    await crashed.restart();
    const readyAfterMs = await waitUntilEveryServiceIsReady(system, READY_AGAIN_MS);
    console.log(`# every process ready ${Math.round(readyAfterMs)} ms after PostgreSQL accepted connections again`);

    assert.deepEqual(system.processes.map((process) => process.child?.pid), pids, 'no process was restarted');
    assert.equal((await other.call('POST', '/login', { login, password: 'correct horse' })).status, 200);
    const order = await api.call('POST', '/order', { price: 3000 });
    assert.equal(order.status, 200);
    const paid = await api.call('PUT', `/order/${order.body.id}/pay`);
    assert.equal(paid.body.status, 'processing');
    assert.equal((await api.call('GET', '/billing/current')).body.balance, 2000);
    const letters = (await api.call('GET', '/notification')).body as Array<{ message: string }>;
    assert.match(letters[0]!.message, new RegExp(`#${order.body.id} Processing`));
  });
});

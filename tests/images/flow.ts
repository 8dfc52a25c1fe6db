import assert from 'node:assert/strict';
import path from 'node:path';
import newman from 'newman';
import { repoRoot } from '@orderflow/stack';
import { createApiClient, randomLogin } from '../support/system.js';
import { sendRaw } from '../support/raw-http.js';

const COLLECTION = path.join(repoRoot, 'tests', 'postman', 'order.postman_collection.json');

/** newman runs the seed's Postman collection against the edge; any failed request or assertion fails. */
export async function runCollection(edgeUrl: string): Promise<string> {
  const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) => {
    newman.run({ collection: COLLECTION, envVar: [{ key: 'baseUrl', value: edgeUrl }], reporters: ['cli'] }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  const failures = summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.message}`);
  if (failures.length > 0) throw new Error(`newman: ${failures.length} failure(s):\n    ${failures.join('\n    ')}`);
  const { requests, assertions } = summary.run.stats;
  if ((requests.total ?? 0) === 0) throw new Error('newman sent no request');
  return `${requests.total} requests, ${assertions.total} assertions, none failed`;
}

async function signUp(edgeUrl: string, balance = 0) {
  const api = createApiClient(edgeUrl);
  const login = randomLogin();
  assert.equal((await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` })).status, 200, 'POST /register');
  assert.equal((await api.call('POST', '/login', { login, password: 'correct horse' })).status, 200, 'POST /login');
  if (balance > 0) assert.equal((await api.call('POST', '/billing/change', { amount: balance })).status, 200, 'POST /billing/change');
  const { id } = (await api.call('GET', '/auth')).body as { id: number };
  return { api, id, cookie: api.cookie ?? '' };
}

/**
 * A client's own identity headers and the services' internal routes, through the edge and straight at
 * a pod: a signed-in attacker naming the victim in X-UserId stays the attacker; X-UserId alone gets
 * no answer from any service; /internal/* is routed nowhere by the edge and refused by the pod without
 * the internal token; the victim's balance never moves.
 */
export async function checkIdentityAndInternalRoutes(edgeUrl: string, podUrl: (service: string) => string): Promise<string[]> {
  const checked: string[] = [];
  const victim = await signUp(edgeUrl, 100);
  const attacker = await signUp(edgeUrl);
  const forged = { 'x-userid': String(victim.id), 'x-user': 'victim', 'x-email': 'victim@example.com' };

  const own = await attacker.api.call('GET', '/billing/current', undefined, forged);
  assert.equal(own.status, 200);
  assert.deepEqual(own.body, { user_id: attacker.id, balance: 0 }, 'a forged X-UserId beside a session is the session\'s user');
  checked.push('edge: forged X-UserId with a session → the session\'s own account');

  for (const target of ['/billing/current', '/order', '/notification']) {
    const answer = await fetch(`${edgeUrl}${target}`, { headers: forged, redirect: 'manual' });
    await answer.arrayBuffer();
    assert.ok(answer.status === 302 || answer.status === 401, `GET ${target} with X-UserId and no session through the edge → ${answer.status}`);
  }
  checked.push('edge: X-UserId without a session → 302 to /signin');

  for (const service of ['billing', 'order', 'notification']) {
    const target = service === 'billing' ? '/billing/current' : `/${service}`;
    const answer = await fetch(`${podUrl(service)}${target}`, { headers: forged });
    await answer.arrayBuffer();
    assert.equal(answer.status, 401, `GET ${target} with a bare X-UserId straight at the ${service} pod`);
  }
  checked.push('pods: a bare X-UserId straight at billing, order and notification → 401');

  const payment = JSON.stringify({ order_id: 9_000_000_000_021, user_id: victim.id, amount_minor: 5000 });
  for (const target of ['/internal/payments', '/%69nternal/payments', '/billing/..%2finternal/payments', '/billing/x\\..\\..\\internal/payments']) {
    const answer = await sendRaw(edgeUrl, `POST ${target} HTTP/1.1\nCookie: ${attacker.cookie}\nContent-Type: application/json`, { body: payment });
    assert.ok(answer.status >= 400 && answer.status < 500, `POST ${target} through the edge → ${answer.status} ${answer.body}`);
  }
  checked.push('edge: /internal/* in four spellings → 4xx');

  for (const [service, target, body] of [
    ['billing', '/internal/payments', payment],
    ['notification', '/internal/letters', JSON.stringify({ delivery_id: 'forged-images-1', user_id: victim.id, order_id: 1, email: 'v@example.com', event: 'order.processing', message: 'x' })],
  ] as const) {
    const answer = await sendRaw(podUrl(service), `POST ${target} HTTP/1.1\nContent-Type: application/json`, { body });
    assert.equal(answer.status, 401, `POST ${target} straight at the ${service} pod without the internal token → ${answer.status} ${answer.body}`);
  }
  checked.push('pods: /internal/* without the internal token → 401');

  assert.equal(((await victim.api.call('GET', '/billing/current')).body as { balance: number }).balance, 100, "the victim's balance");
  checked.push("the victim's balance is untouched");
  return checked;
}

/** The storefront through the edge: `/` is the page, its bundle is served, anything else there is a 404. */
export async function checkStorefront(edgeUrl: string): Promise<string> {
  const page = await fetch(`${edgeUrl}/`);
  const html = await page.text();
  assert.equal(page.status, 200, 'GET /');
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const asset = /(?:src|href)="(\/assets\/[^"]+)"/.exec(html)?.[1];
  assert.ok(asset, 'the page links its bundle under /assets/');
  const bundle = await fetch(`${edgeUrl}${asset}`);
  await bundle.arrayBuffer();
  assert.equal(bundle.status, 200, `GET ${asset}`);
  assert.match(bundle.headers.get('cache-control') ?? '', /immutable/);
  const missing = await fetch(`${edgeUrl}/assets/missing-0000.js`);
  await missing.arrayBuffer();
  assert.equal(missing.status, 404, 'GET /assets/missing-0000.js');
  return `GET / (${html.length} bytes) and ${asset} served by the web image`;
}

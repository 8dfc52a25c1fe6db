import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { findFreePort, repoRoot } from '@orderflow/stack';
import { NGINX, startNginxEdgeFor, type NginxEdge } from '../support/nginx.js';
import { mayEdgeReach, startRouteRecorders, type RouteRecorders } from '../support/route-recorder.js';
import { sendRaw } from '../support/raw-http.js';

/**
 * Generated spellings of paths (percent-encodings, backslashes, dot segments, duplicate slashes, case,
 * `;` parameters, absolute form) sent byte for byte to each edge: none may reach a route of a service
 * that is not public. Behind the edge stand five recording servers (the four services and web), each
 * routing as the one it stands for does.
 */
const segment = fc.oneof(
  fc.constantFrom('internal', 'Internal', 'INTERNAL', '%69nternal', '%49nternal', 'i%6eternal', '%69%6e%74%65%72%6e%61%6c'),
  fc.constantFrom('payments', 'refunds', 'letters', 'accounts', '42', 'pay', 'cancel', 'current', 'change', 'transactions'),
  fc.constantFrom('billing', 'order', 'notification', 'auth', 'login', 'metrics', 'docs', 'json', 'health', 'ready', 'live', 'x'),
  fc.constantFrom('.', '..', '%2e', '%2e%2e', '.%2e', '%2E%2E', '..;', '', '%00', '%20'),
  fc.stringMatching(/^[a-z0-9.%;]{0,5}$/),
);
const separator = fc.constantFrom('/', '/', '/', '\\', '%2f', '%2F', '%5c', '%5C', '//', '/./', '/;x=1/', '%252f');
const absoluteForm = fc.constantFrom('', '', '', 'http://127.0.0.1', 'http://arch.homework');
const publicPrefix = fc.constantFrom('/', '/billing/', '/order/', '/notification/', '/order/42/', '/auth/', '/billing/current/');
const suffix = fc.constantFrom('', '', ';jsessionid=1', '?a=1', '/', '%2f', '?x=%zz');
/** Any mix of the pieces. */
const anyTarget = fc
  .tuple(absoluteForm, publicPrefix, fc.array(fc.tuple(segment, separator), { maxLength: 5 }), segment, suffix)
  .map(([absolute, start, parts, last, end]) => `${absolute}${start}${parts.map(([s, sep]) => s + sep).join('')}${last}${end}`);
/** A public prefix, then climbs out of it (`..` in one of its spellings), then an internal or operational path. */
const climbingTarget = fc
  .tuple(
    absoluteForm,
    fc.constantFrom('/billing/', '/order/', '/notification/', '/order/42/'),
    fc.constantFrom('', 'x', '42'),
    fc.constantFrom('/', '\\', '%2f', '%5c', '//'),
    fc.constantFrom('..', '%2e%2e', '.%2e', '%2E%2E', '%2e.', '..;', '.'),
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom('internal/payments', '%69nternal/payments', 'Internal/refunds', 'i%6eternal/letters', 'internal/accounts/42', 'metrics', 'docs/json', 'health/ready'),
    suffix,
  )
  .map(([absolute, start, first, sep, climb, times, target, end]) =>
    `${absolute}${start}${first === '' ? '' : first + sep}${Array.from({ length: times }, () => climb + sep).join('')}${target.replaceAll('/', sep)}${end}`,
  );
const requestTarget = fc.oneof({ arbitrary: climbingTarget, weight: 2 }, { arbitrary: anyTarget, weight: 1 });
const method = fc.constantFrom('GET', 'POST', 'PUT', 'HEAD');

async function checkEdge(edgeUrl: string, recorder: RouteRecorders, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(method, requestTarget, async (verb, target) => {
      const before = recorder.seen.length;
      const answer = await sendRaw(edgeUrl, `${verb} ${target} HTTP/1.1\nCookie: session_id=valid${verb === 'GET' || verb === 'HEAD' ? '' : '\nContent-Type: application/json'}`, {
        body: verb === 'GET' || verb === 'HEAD' ? undefined : '{}',
      }).catch(() => undefined);
      const reached = recorder.seen.slice(before);
      for (const seen of reached) assert.ok(mayEdgeReach(seen), `${verb} ${target} reached ${seen.service}'s ${seen.method} ${seen.route} as ${seen.url}`);
      if (answer !== undefined) assert.ok(answer.status < 500 || answer.status === 502 || answer.status === 503, `${verb} ${target} → ${answer.status} ${answer.body}`);
    }),
    { numRuns: runs },
  );
}

describe('security: generated path spellings reach no internal or non-public route', () => {
  let recorder: RouteRecorders;
  let gateway: ChildProcess | undefined;
  let gatewayUrl = '';
  let nginx: NginxEdge | undefined;

  before(async () => {
    recorder = await startRouteRecorders();
    const port = await findFreePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    gateway = spawn(process.execPath, [path.join(repoRoot, 'services', 'gateway', 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        PORT: String(port),
        METRICS_PORT: String(await findFreePort()),
        AUTH_URL: recorder.urls.auth,
        BILLING_URL: recorder.urls.billing,
        ORDER_URL: recorder.urls.order,
        NOTIFICATION_URL: recorder.urls.notification,
        LOG_LEVEL: 'silent',
        CREDENTIAL_RATE_LIMIT: '100000',
      },
      stdio: 'ignore',
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await fetch(`${gatewayUrl}/health/ready`).then((r) => r.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (NGINX !== undefined) nginx = await startNginxEdgeFor(recorder.hosts);
  });
  after(async () => {
    gateway?.kill('SIGTERM');
    await nginx?.stop();
    await recorder.close();
  });

  test('when a public path is spelled plainly, then the recorder sees it (the oracle can see a hit)', async () => {
    const before = recorder.seen.length;

    const answer = await sendRaw(gatewayUrl, 'GET /billing/current HTTP/1.1\nCookie: session_id=valid');

    assert.equal(answer.status, 200);
    assert.ok(recorder.seen.slice(before).some((seen) => seen.service === 'billing' && seen.route === '/billing/current'));
  });

  test('through the gateway', async () => {
    await checkEdge(gatewayUrl, recorder, 600);
  });

  test('through nginx filled from deploy/nginx/orderflow.conf.template', { skip: NGINX === undefined ? 'nginx not installed' : false }, async () => {
    await checkEdge(nginx!.url, recorder, 600);
  });
});

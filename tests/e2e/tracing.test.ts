import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, type RunningSystem } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The path a server span answered, in the current HTTP conventions or the older ones. */
const pathOf = (span: ReceivedSpan) => String(span.attributes['url.path'] ?? span.attributes['http.target'] ?? '').split('?')[0];
/** The URL a client span called. */
const urlOf = (span: ReceivedSpan) => String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '');
const isDatabaseSpan = (span: ReceivedSpan) => (span.attributes['db.system'] ?? span.attributes['db.system.name']) === 'postgresql';

describe('tracing: one trace across every hop of a payment', () => {
  let receiver: OtlpReceiver;
  let system: RunningSystem;
  const logsDir = path.join(repoRoot, 'test-output', 'logs', `tracing_${randomBytes(4).toString('hex')}`);
  before(async () => {
    receiver = await startOtlpReceiver();
    system = await bootTestSystem({
      logs: { dir: logsDir },
      // A short batch delay so spans arrive within the test rather than five seconds later.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
      // Every request asks auth, so the pay request's trace holds the forward-auth hop.
      serviceEnv: { gateway: { SESSION_CACHE_MS: '0' } },
    });
  });
  after(async () => {
    await system?.stop();
    await receiver?.close();
  });

  /** Waits until the receiver holds a trace the predicate accepts; returns its spans. */
  async function waitForTrace(isComplete: (spans: ReceivedSpan[]) => boolean, findRoot: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const root = receiver.spans.find(findRoot);
      const spans = root === undefined ? [] : receiver.spans.filter((span) => span.traceId === root.traceId);
      if (isComplete(spans)) return spans;
      if (Date.now() > deadline) return spans;
      await sleep(100);
    }
  }

  test('when an order is paid, then the trace links gateway → order → billing and order → notification, with queries under each', async () => {
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    await api.call('POST', '/login', { login, password: 'correct horse' });
    await api.call('POST', '/billing/change', { amount: 100 });
    const order = await api.call('POST', '/order', { price: 40 });

    const paid = await api.call('PUT', `/order/${order.body.id}/pay`);

    assert.equal(paid.status, 200);
    assert.equal(paid.body.status, 'processing');
    const payPath = `/order/${order.body.id}/pay`;
    // Each process sends its spans in its own batches: wait until every one has arrived.
    const spans = await waitForTrace(
      (trace) =>
        ['auth', 'order', 'billing', 'notification'].every((service) => trace.some((s) => s.service === service && s.kind === 'server') && trace.some((s) => s.service === service && isDatabaseSpan(s))) &&
        trace.filter((s) => s.service === 'gateway' && s.kind === 'client').length >= 2,
      (span) => span.service === 'gateway' && span.kind === 'server' && pathOf(span) === payPath,
    );
    const describeTrace = () => spans.map((s) => `${s.service} ${s.kind} ${s.name} ${s.spanId}<-${s.parentSpanId} ${pathOf(s) || urlOf(s)}`).join('\n');
    const only = (what: string, predicate: (span: ReceivedSpan) => boolean): ReceivedSpan => {
      const found = spans.filter(predicate);
      assert.equal(found.length, 1, `exactly one ${what} in the trace:\n${describeTrace()}`);
      return found[0]!;
    };
    const childOf = (parent: ReceivedSpan) => (span: ReceivedSpan) => span.parentSpanId === parent.spanId;
    const underneath = (ancestor: ReceivedSpan, span: ReceivedSpan): boolean => {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      for (let current = byId.get(span.parentSpanId); current !== undefined; current = byId.get(current.parentSpanId)) {
        if (current === ancestor) return true;
      }
      return false;
    };

    const gatewayServer = only('gateway server span', (s) => s.service === 'gateway' && s.kind === 'server');
    const gatewayToAuth = only('forward-auth call', (s) => s.service === 'gateway' && s.kind === 'client' && childOf(gatewayServer)(s) && urlOf(s).endsWith('/auth'));
    const authServer = only('auth server span', (s) => s.service === 'auth' && s.kind === 'server');
    const gatewayToOrder = only('proxied call', (s) => s.service === 'gateway' && s.kind === 'client' && childOf(gatewayServer)(s) && urlOf(s).endsWith(payPath));
    const orderServer = only('order server span', (s) => s.service === 'order' && s.kind === 'server');
    const orderToBilling = only('payment call', (s) => s.service === 'order' && s.kind === 'client' && urlOf(s).endsWith('/internal/payments'));
    const billingServer = only('billing server span', (s) => s.service === 'billing' && s.kind === 'server');
    const orderToNotification = only('letter call', (s) => s.service === 'order' && s.kind === 'client' && urlOf(s).endsWith('/internal/letters'));
    const notificationServer = only('notification server span', (s) => s.service === 'notification' && s.kind === 'server');

    assert.equal(gatewayServer.parentSpanId, '', 'the edge starts the trace');
    assert.equal(authServer.parentSpanId, gatewayToAuth.spanId);
    assert.equal(orderServer.parentSpanId, gatewayToOrder.spanId);
    assert.equal(orderServer.name, 'PUT /order/:id/pay');
    assert.equal(orderToBilling.parentSpanId, orderServer.spanId);
    assert.equal(billingServer.parentSpanId, orderToBilling.spanId);
    assert.equal(orderToNotification.parentSpanId, orderServer.spanId);
    assert.equal(notificationServer.parentSpanId, orderToNotification.spanId);
    for (const [service, server] of [['order', orderServer], ['billing', billingServer], ['notification', notificationServer], ['auth', authServer]] as const) {
      const queries = spans.filter((s) => s.service === service && isDatabaseSpan(s));
      assert.ok(queries.length > 0, `${service} queries are traced:\n${describeTrace()}`);
      assert.ok(queries.every((query) => underneath(server, query)), `${service} queries sit under its server span`);
    }
  });

  test('when a request is logged, then its lines carry the trace id beside the request id', async () => {
    const api = createApiClient(system.gatewayUrl);

    const response = await api.call('GET', '/signin');

    const requestId = response.headers.get('x-request-id');
    assert.ok(requestId);
    const root = await waitForTrace(
      (trace) => trace.some((s) => s.service === 'auth' && s.kind === 'server'),
      (span) => span.service === 'gateway' && span.kind === 'server' && pathOf(span) === '/signin',
    );
    const traceId = root[0]?.traceId;
    assert.ok(traceId, 'the request was traced');
    let lines: { reqId?: string; trace_id?: string }[] = [];
    for (let attempt = 0; attempt < 50 && lines.length < 1; attempt++) {
      const text = await readFile(path.join(logsDir, 'auth.log'), 'utf8');
      lines = text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { reqId?: string; trace_id?: string }).filter((line) => line.reqId === requestId);
      if (lines.length < 1) await sleep(100);
    }
    // At info a service logs what goes wrong (here auth's 401 refusal), not every request.
    assert.ok(lines.length >= 1, 'auth logged the refusal with the request id');
    assert.ok(lines.every((line) => line.trace_id === traceId), JSON.stringify(lines));
  });
});

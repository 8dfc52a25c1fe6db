import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, type RunningSystem, type ServiceProcess } from '@orderflow/stack';
import { bootTestSystem, createApiClient, randomLogin } from '../support/system.js';
import { exposedNames, scrape, sumOf, type Exposition, type Sample } from '../support/prometheus.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('/metrics of every process', () => {
  let system: RunningSystem;
  before(async () => {
    system = await bootTestSystem();
  });
  after(() => system.stop());

  const processOf = (service: ServiceProcess['service']) => system.processes.find((p) => p.service === service)!;
  const scrapeOf = (service: ServiceProcess['service']) => scrape(processOf(service).metricsUrl);

  async function newCustomer(topUp: number) {
    const api = createApiClient(system.gatewayUrl);
    const login = randomLogin();
    await api.call('POST', '/register', { login, password: 'correct horse', email: `${login}@example.com` });
    await api.call('POST', '/login', { login, password: 'correct horse' });
    await api.call('POST', '/billing/change', { amount: topUp });
    return api;
  }

  /** How much each series moved between two scrapes. */
  const moved = (before: Exposition, after: Exposition) => (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);

  /** Polls a service's /metrics until the condition holds, or gives up and returns the last scrape. */
  async function scrapeUntil(service: ServiceProcess['service'], isDone: (exposition: Exposition) => boolean): Promise<Exposition> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const exposition = await scrapeOf(service);
      if (isDone(exposition) || Date.now() > deadline) return exposition;
      await sleep(200);
    }
  }

  test('when one payment succeeds, one is refused and the paid order is cancelled, then the business counters move by exactly that', async () => {
    const api = await newCustomer(100);
    const [orderBefore, billingBefore] = await Promise.all([scrapeOf('order'), scrapeOf('billing')]);

    const paid = await api.call('POST', '/order', { price: 30 });
    assert.equal((await api.call('PUT', `/order/${paid.body.id}/pay`)).body.status, 'processing');
    const refused = await api.call('POST', '/order', { price: 500 });
    assert.equal((await api.call('PUT', `/order/${refused.body.id}/pay`)).body.status, 'failed');
    assert.equal((await api.call('POST', `/order/${paid.body.id}/cancel`)).body.refunded, 30);

    // The outbox row is marked delivered just after the response: wait for the third mark.
    let [orderAfter, billingAfter] = await Promise.all([scrapeOf('order'), scrapeOf('billing')]);
    for (let attempt = 0; attempt < 50 && moved(orderBefore, orderAfter)('orderflow_letters_delivered_total') < 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [orderAfter, billingAfter] = await Promise.all([scrapeOf('order'), scrapeOf('billing')]);
    }
    const order = moved(orderBefore, orderAfter);
    const billing = moved(billingBefore, billingAfter);
    assert.equal(order('orderflow_orders_created_total'), 2);
    assert.equal(order('orderflow_payments_total', { status: 'succeeded' }), 1);
    assert.equal(order('orderflow_payments_total', { status: 'declined' }), 1);
    assert.equal(order('orderflow_refunds_total'), 1);
    assert.equal(order('orderflow_letters_delivered_total'), 3, 'Processing, Failed and Cancelled letters');
    assert.equal(order('orderflow_letter_delivery_failures_total'), 0);
    assert.equal(order('orderflow_recovery_actions_total'), 0);
    assert.equal(sumOf(orderAfter, 'orderflow_outbox_backlog'), 0);
    assert.equal(sumOf(orderAfter, 'orderflow_orders_pending'), 0);
    assert.equal(billing('orderflow_billing_payments_total', { status: 'succeeded' }), 1);
    assert.equal(billing('orderflow_billing_payments_total', { status: 'declined' }), 1);
    assert.equal(billing('orderflow_billing_refunds_total'), 1);
    const pay = { app: 'order', method: 'PUT', route: '/order/:id/pay', status_code: '200' };
    assert.equal(order('http_requests_total', pay), 2);
    assert.equal(order('http_request_duration_seconds_count', pay), 2);
    assert.equal(order('http_request_duration_seconds_bucket', { ...pay, le: '+Inf' }), 2);
    assert.equal(billing('http_request_duration_seconds_count', { route: '/internal/payments', status_code: '200' }), 2);
  });

  test('when routes are labelled, then by their pattern, never by a raw URL, and unknown paths share one label', async () => {
    const api = await newCustomer(10);
    const created = await api.call('POST', '/order', { price: 1 });
    await api.call('GET', `/order/${created.body.id}`);
    await fetch(`${processOf('order').url}/no/such/path/${created.body.id}`);

    const [order, gateway] = await Promise.all([scrapeOf('order'), scrapeOf('gateway')]);

    const routes = new Set(order.samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route));
    assert.ok(routes.has('/order/:id'));
    assert.ok(routes.has('unmatched'));
    assert.ok(![...routes].some((route) => route?.includes(String(created.body.id))), [...routes].join(', '));
    assert.ok(sumOf(gateway, 'http_requests_total', { app: 'gateway', route: '/order/:id' }) >= 1);
  });

  test('when billing is down during a payment, then the order shows as pending until the recovery loop settles it', async () => {
    const api = await newCustomer(100);
    const created = await api.call('POST', '/order', { price: 10 });
    const before = await scrapeOf('order');
    await system.kill(processOf('billing'));

    const unavailable = await api.call('PUT', `/order/${created.body.id}/pay`);
    const whilePending = await scrapeOf('order');
    await system.restart(processOf('billing'));
    const settled = await scrapeUntil('order', (e) => sumOf(e, 'orderflow_recovery_actions_total', { action: 'payment' }) > sumOf(before, 'orderflow_recovery_actions_total', { action: 'payment' }));

    assert.equal(unavailable.status, 503);
    assert.equal(sumOf(whilePending, 'orderflow_orders_pending'), 1);
    const order = moved(before, settled);
    assert.equal(order('orderflow_recovery_actions_total', { action: 'payment' }), 1);
    assert.equal(order('orderflow_payments_total', { status: 'succeeded' }), 1);
    assert.equal(sumOf(settled, 'orderflow_orders_pending'), 0);
    assert.equal((await api.call('GET', `/order/${created.body.id}`)).body.status, 'processing');
  });

  test('when notification is down, then the letter waits in the outbox backlog, failures count, and it is delivered once', async () => {
    const api = await newCustomer(100);
    const created = await api.call('POST', '/order', { price: 10 });
    const before = await scrapeOf('order');
    await system.kill(processOf('notification'));

    const paid = await api.call('PUT', `/order/${created.body.id}/pay`);
    const whileDown = await scrapeOf('order');
    await system.restart(processOf('notification'));
    // The counter moves after the mark commits, so a scrape can see the backlog empty a moment before
    // the count: wait for both.
    const delivered = await scrapeUntil(
      'order',
      (e) => sumOf(e, 'orderflow_outbox_backlog') === 0 && sumOf(e, 'orderflow_letters_delivered_total') > sumOf(before, 'orderflow_letters_delivered_total'),
    );

    assert.equal(paid.body.status, 'processing');
    assert.equal(sumOf(whileDown, 'orderflow_outbox_backlog'), 1);
    const order = moved(before, delivered);
    assert.ok(order('orderflow_letter_delivery_failures_total') >= 1);
    assert.equal(order('orderflow_letters_delivered_total'), 1);
    assert.equal(sumOf(delivered, 'orderflow_outbox_backlog'), 0);
  });

  test('when the Grafana dashboard is loaded, then every query names a metric some process exposes, and the flow has its panels', async () => {
    const dashboard = JSON.parse(await readFile(path.join(repoRoot, 'deploy', 'grafana', 'orderflow-dashboard.json'), 'utf8')) as GrafanaDashboard;
    const exposed = new Set<string>();
    const samples: Sample[] = [];
    for (const process of system.processes) {
      const exposition = await scrape(process.metricsUrl);
      for (const name of exposedNames(exposition)) exposed.add(name);
      samples.push(...exposition.samples);
    }

    const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== 'row');
    const referenced = new Set<string>();
    for (const panel of panels) {
      assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has a query`);
      for (const target of panel.targets ?? []) {
        const names = metricNamesIn(target.expr);
        assert.ok(names.length > 0, `"${panel.title}": ${target.expr}`);
        for (const name of names) {
          assert.ok(exposed.has(name), `"${panel.title}" queries ${name}, which no process exposes`);
          referenced.add(name);
        }
        // A renamed label or value leaves the metric's name valid and the panel empty.
        for (const [name, label, value] of labelMatchersIn(target.expr)) {
          assert.ok(samples.some((s) => s.name === name && s.labels[label] === value), `"${panel.title}" selects ${name}{${label}="${value}"}, which no process exposes`);
        }
        for (const label of groupingLabelsIn(target.expr)) {
          assert.ok(samples.some((s) => names.includes(s.name) && label in s.labels), `"${panel.title}" groups by ${label}, which ${names.join(', ')} does not carry`);
        }
      }
    }

    assert.equal(typeof dashboard.schemaVersion, 'number');
    assert.ok(dashboard.uid && dashboard.title);
    for (const name of [
      'orderflow_orders_created_total',
      'orderflow_payments_total',
      'orderflow_refunds_total',
      'orderflow_billing_payments_total',
      'orderflow_letters_delivered_total',
      'orderflow_letter_delivery_failures_total',
      'orderflow_outbox_backlog',
      'orderflow_orders_pending',
      'orderflow_recovery_actions_total',
      'http_requests_total',
      'http_request_duration_seconds_bucket',
    ]) {
      assert.ok(referenced.has(name), `a panel shows ${name}`);
    }
  });
});

interface GrafanaPanel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: GrafanaPanel[];
}
interface GrafanaDashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: GrafanaPanel[];
}

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects: identifiers left once strings, matchers, ranges, label lists and calls are set aside. */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...bare.matchAll(/(?<![\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!).filter((name) => !PROMQL_KEYWORDS.has(name));
}

/** The exact label matchers of an expression: `name{key="value"}` gives [name, key, value]. */
function labelMatchersIn(expr: string): Array<[string, string, string]> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].flatMap((selector) =>
    [...selector[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((matcher): [string, string, string] => [selector[1]!, matcher[1]!, matcher[2]!]),
  );
}

/** The labels an expression aggregates by: `sum by (app, route)` gives app and route. */
function groupingLabelsIn(expr: string): string[] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((group) => group[1]!.split(',').map((label) => label.trim()).filter(Boolean));
}

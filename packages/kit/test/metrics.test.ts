import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServiceApp } from '../src/app.js';
import { createMetricsRegistry } from '../src/metrics.js';

/** The value of the one series of `name` with exactly these labels, whatever order they are printed in. */
function valueOf(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`).sort().join(',');
  for (const line of exposition.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] === name && match[2]!.split(',').sort().join(',') === wanted) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  function buildApp(name: string) {
    const app = createServiceApp({ name, logLevel: false, docs: false });
    app.get('/things/:id', async () => ({ ok: true }));
    return app;
  }

  test('when two apps are built in one process, then each counts only its own requests', async (t) => {
    const first = buildApp('first');
    const second = buildApp('second');
    t.after(() => Promise.all([first.close(), second.close()]));

    await first.inject({ method: 'GET', url: '/things/1' });
    const firstMetrics = (await first.inject({ method: 'GET', url: '/metrics' })).body;
    const secondMetrics = (await second.inject({ method: 'GET', url: '/metrics' })).body;

    assert.equal(valueOf(firstMetrics, 'http_requests_total', { app: 'first', method: 'GET', route: '/things/:id', status_code: '200' }), 1);
    assert.doesNotMatch(secondMetrics, /route="\/things\/:id"/);
  });

  test('when paths are requested, then series are labelled by route pattern, unknown paths share one label and scrapes are not counted', async (t) => {
    const app = buildApp('labels');
    t.after(() => app.close());

    for (const id of [1, 2, 3]) await app.inject({ method: 'GET', url: `/things/${id}` });
    await app.inject({ method: 'GET', url: '/no/such/path/42' });
    await app.inject({ method: 'GET', url: '/metrics' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });

    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    const things = { app: 'labels', method: 'GET', route: '/things/:id', status_code: '200' };
    assert.equal(valueOf(response.body, 'http_requests_total', things), 3);
    assert.equal(valueOf(response.body, 'http_request_duration_seconds_count', things), 3);
    assert.equal(valueOf(response.body, 'http_request_duration_seconds_bucket', { ...things, le: '+Inf' }), 3);
    assert.equal(valueOf(response.body, 'http_requests_total', { ...things, route: 'unmatched', status_code: '404' }), 1);
    assert.doesNotMatch(response.body, /route="\/metrics"|\/things\/1|\/no\/such/);
  });

  test('when main passes a registry with process metrics, then /metrics serves them beside the routes', async (t) => {
    const app = createServiceApp({ name: 'main', logLevel: false, docs: false, metricsRegistry: createMetricsRegistry({ app: 'main', processMetrics: true }) });
    t.after(() => app.close());

    const response = await app.inject({ method: 'GET', url: '/metrics' });

    assert.match(response.body, /^process_cpu_seconds_total\{app="main"\} /m);
    assert.match(response.body, /^nodejs_eventloop_lag_p99_seconds\{app="main"\} /m);
  });
});

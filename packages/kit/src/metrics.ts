import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';

export type { Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Added to every series as `app`, so one query can split by service however Prometheus scrapes. */
  app: string;
  /**
   * CPU, memory, event-loop lag, GC. They describe the whole process and start samplers, so main asks
   * for them once; apps built in tests leave them out.
   */
  processMetrics?: boolean;
}

export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: options.app });
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}

// From a millisecond internal call to the ten-second edge timeout.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LABELS = ['method', 'route', 'status_code'] as const;

/**
 * RED metrics of every route, labelled by the route pattern (`/order/:id/pay`), never the raw URL:
 * one series per order id would grow without bound. Paths no route matches share `route="unmatched"`.
 * Serves the registry at GET /metrics, which no edge routes from outside.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry, options: { serve: boolean }): void {
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by route pattern and status.', labelNames: LABELS, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to sending its response, by route pattern and status.',
    labelNames: LABELS,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    // A scrape measuring itself would only add noise to the service's own numbers.
    if (route !== '/metrics') {
      const labels = { method: request.method, route, status_code: reply.statusCode };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
    }
    done();
  });

  if (options.serve) app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}

/**
 * /metrics on a listener of its own, for a process whose own port is public (the gateway): the
 * numbers, and the Node version in them, are for Prometheus, not for every client.
 */
export async function listenForMetrics(registry: Registry, address: { host: string; port: number }): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}

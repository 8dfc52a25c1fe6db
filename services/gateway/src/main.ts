import { createReplicas, resolvePeerAddresses } from '@orderflow/http-client';
import { createMetricsRegistry, exitOnStartupError, listenForMetrics, runService } from '@orderflow/kit';
import { buildGatewayApp } from './app.js';
import { readGatewayConfig, splitUrls } from './config.js';
import { createUpstreamAgent } from './upstreams.js';
import { createForwardAuth } from './clients/forward-auth.client.js';
import { createSessionCache } from './session-cache.js';

exitOnStartupError('gateway');
const config = readGatewayConfig();
const lists = { auth: splitUrls(config.AUTH_URL), billing: splitUrls(config.BILLING_URL), order: splitUrls(config.ORDER_URL), notification: splitUrls(config.NOTIFICATION_URL) };
// One set of addresses for every upstream: replicas on Unix sockets get origins of their own, which
// the dispatchers' factory opens on the socket.
const peers = resolvePeerAddresses(Object.values(lists).flat());
let next = 0;
const originsOf = (entries: string[]) => entries.map(() => peers.addresses[next++]!.origin);
const upstreams = {
  auth: createReplicas('auth', originsOf(lists.auth)),
  billing: createReplicas('billing', originsOf(lists.billing)),
  order: createReplicas('order', originsOf(lists.order)),
  notification: createReplicas('notification', originsOf(lists.notification)),
};

const upstreamAgent = createUpstreamAgent(config.UPSTREAM_TIMEOUT_MS, peers.factory);
// One connection to every replica before the gateway listens, so the first requests after a start
// pay for no connect (and the code on that path is already compiled). Best effort: a replica that is
// not up yet is connected on first use.
await Promise.allSettled(
  peers.addresses.map(async ({ origin }) => (await upstreamAgent.request({ origin, path: '/health/live', method: 'GET' })).body.dump()),
);

const metricsRegistry = createMetricsRegistry({ app: 'gateway', processMetrics: true });
const app = buildGatewayApp({
  upstreams,
  forwardAuth: createForwardAuth(upstreams.auth, createSessionCache({ ttlMs: config.SESSION_CACHE_MS }), upstreamAgent),
  upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
  upstreamAgent,
  credentialRateLimit: { max: config.CREDENTIAL_RATE_LIMIT, windowMs: config.CREDENTIAL_RATE_WINDOW_MS },
  logLevel: config.LOG_LEVEL,
  webDir: config.WEB_DIR,
  metricsRegistry,
});
const metricsServer = await listenForMetrics(metricsRegistry, { host: config.HOST, port: config.METRICS_PORT });

await runService(app, {
  host: config.HOST,
  port: config.PORT,
  timeouts: { headersMs: config.HEADERS_TIMEOUT_MS, requestMs: config.REQUEST_TIMEOUT_MS },
  onClose: async () => {
    await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    await upstreamAgent.close();
  },
});

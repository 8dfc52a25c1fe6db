import { createMetricsRegistry, listenForMetrics, runService } from '@orderflow/kit';
import { buildGatewayApp } from './app.js';
import { readGatewayConfig, splitUrls } from './config.js';
import { createUpstream } from './upstreams.js';
import { createForwardAuth } from './clients/forward-auth.client.js';
import { createSessionCache } from './session-cache.js';

const config = readGatewayConfig();
const upstreams = {
  auth: createUpstream('auth', splitUrls(config.AUTH_URL)),
  billing: createUpstream('billing', splitUrls(config.BILLING_URL)),
  order: createUpstream('order', splitUrls(config.ORDER_URL)),
  notification: createUpstream('notification', splitUrls(config.NOTIFICATION_URL)),
};

const metricsRegistry = createMetricsRegistry({ app: 'gateway', processMetrics: true });
const app = buildGatewayApp({
  upstreams,
  forwardAuth: createForwardAuth(upstreams.auth, config.UPSTREAM_TIMEOUT_MS, createSessionCache({ ttlMs: config.SESSION_CACHE_MS })),
  upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
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
  onClose: () => new Promise((resolve) => metricsServer.close(() => resolve())),
});

import { createMetricsRegistry, runService } from '@orderflow/kit';
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

const app = buildGatewayApp({
  upstreams,
  forwardAuth: createForwardAuth(upstreams.auth, config.UPSTREAM_TIMEOUT_MS, createSessionCache({ ttlMs: config.SESSION_CACHE_MS })),
  upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
  logLevel: config.LOG_LEVEL,
  webDir: config.WEB_DIR,
  metricsRegistry: createMetricsRegistry({ app: 'gateway', processMetrics: true }),
});

await runService(app, { host: config.HOST, port: config.PORT });

import type { KeyObject } from 'node:crypto';
import { createMetricsRegistry, createServiceApp, type Registry, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable, type Pool } from '@orderflow/db';
import { registerBillingRoutes } from './routes/billing.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { createBillingMetrics } from './metrics.js';

export interface BillingAppOptions {
  db: Pool;
  internalToken: string;
  logLevel?: string | false;
  /** auth's public key, which verifies the caller's signed identity. */
  identityPublicKey: KeyObject;
  /** Served at /metrics with billing's counters added; absent, the app gets one of its own. */
  metricsRegistry?: Registry;
}

export function buildBillingApp(options: BillingAppOptions): ServiceApp {
  const metricsRegistry = options.metricsRegistry ?? createMetricsRegistry({ app: 'billing' });
  const app = createServiceApp({
    name: 'billing',
    logLevel: options.logLevel,
    identityPublicKey: options.identityPublicKey,
    internalToken: options.internalToken,
    isReady: () => isDatabaseReachable(options.db),
    metricsRegistry,
  });
  // Inside a plugin, so they are declared once @fastify/swagger listens for routes and are in /docs.
  app.register(async (scope) => {
    registerBillingRoutes(scope as ServiceApp, options.db);
    registerInternalRoutes(scope as ServiceApp, options.db, createBillingMetrics(metricsRegistry));
  });
  return app;
}

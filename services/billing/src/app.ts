import { createMetricsRegistry, createServiceApp, type ServiceApp, type ServiceOptions } from '@orderflow/kit';
import { isDatabaseReachable, type Pool } from '@orderflow/db';
import { registerBillingRoutes } from './routes/billing.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { createBillingMetrics } from './metrics.js';

export interface BillingAppOptions extends ServiceOptions {
  db: Pool;
}

export function buildBillingApp({ db, ...service }: BillingAppOptions): ServiceApp {
  // billing's counters are added to the registry the app serves.
  const metricsRegistry = service.metricsRegistry ?? createMetricsRegistry({ app: 'billing' });
  const app = createServiceApp({ ...service, name: 'billing', metricsRegistry, isReady: () => isDatabaseReachable(db) });
  // Inside a plugin, so they are declared once @fastify/swagger listens for routes and are in /docs.
  app.register(async (scope) => {
    registerBillingRoutes(scope as ServiceApp, db);
    registerInternalRoutes(scope as ServiceApp, db, createBillingMetrics(metricsRegistry));
  });
  return app;
}

import { createServiceApp, type ServiceApp, type ServiceOptions } from '@orderflow/kit';
import { isDatabaseReachable } from '@orderflow/db';
import { registerOrderRoutes } from './routes/orders.routes.js';
import type { OrderDeps } from './domain/deps.js';

/** `metricsRegistry` is the one `deps.metrics` counts into. */
export interface OrderAppOptions extends ServiceOptions {
  deps: Omit<OrderDeps, 'log'>;
}

export function buildOrderApp({ deps, ...service }: OrderAppOptions): ServiceApp {
  const app = createServiceApp({ ...service, name: 'order', isReady: () => isDatabaseReachable(deps.db) });
  // Inside a plugin, so they are declared once @fastify/swagger listens for routes and are in /docs.
  app.register(async (scope) => registerOrderRoutes(scope as ServiceApp, { ...deps, log: app.log }));
  return app;
}

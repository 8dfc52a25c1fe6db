import { createServiceApp, type Registry, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable } from '@orderflow/db';
import { registerOrderRoutes } from './routes/orders.routes.js';
import type { OrderDeps } from './domain/deps.js';

export interface OrderAppOptions {
  deps: Omit<OrderDeps, 'log'>;
  /** The registry `deps.metrics` counts into, served at /metrics. */
  metricsRegistry?: Registry;
  logLevel?: string | false;
}

export function buildOrderApp(options: OrderAppOptions): ServiceApp {
  const app = createServiceApp({ name: 'order', logLevel: options.logLevel, metricsRegistry: options.metricsRegistry, isReady: () => isDatabaseReachable(options.deps.db) });
  registerOrderRoutes(app, { ...options.deps, log: app.log });
  return app;
}

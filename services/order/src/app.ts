import type { KeyObject } from 'node:crypto';
import { createServiceApp, type Registry, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable } from '@orderflow/db';
import { registerOrderRoutes } from './routes/orders.routes.js';
import type { OrderDeps } from './domain/deps.js';

export interface OrderAppOptions {
  deps: Omit<OrderDeps, 'log'>;
  /** The registry `deps.metrics` counts into, served at /metrics. */
  metricsRegistry?: Registry;
  logLevel?: string | false;
  /** auth's public key, which verifies the caller's signed identity. */
  identityPublicKey: KeyObject;
}

export function buildOrderApp(options: OrderAppOptions): ServiceApp {
  const app = createServiceApp({ name: 'order', logLevel: options.logLevel, identityPublicKey: options.identityPublicKey, metricsRegistry: options.metricsRegistry, isReady: () => isDatabaseReachable(options.deps.db) });
  // Inside a plugin, so they are declared once @fastify/swagger listens for routes and are in /docs.
  app.register(async (scope) => registerOrderRoutes(scope as ServiceApp, { ...options.deps, log: app.log }));
  return app;
}

import type { KeyObject } from 'node:crypto';
import { createServiceApp, type Registry, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable, type Pool } from '@orderflow/db';
import { registerLetterRoutes } from './routes/letters.routes.js';

export interface NotificationAppOptions {
  db: Pool;
  internalToken: string;
  logLevel?: string | false;
  /** auth's public key, which verifies the caller's signed identity. */
  identityPublicKey: KeyObject;
  /** Served at /metrics; absent, the app gets one of its own. */
  metricsRegistry?: Registry;
}

export function buildNotificationApp(options: NotificationAppOptions): ServiceApp {
  const app = createServiceApp({
    name: 'notification',
    logLevel: options.logLevel,
    identityPublicKey: options.identityPublicKey,
    internalToken: options.internalToken,
    isReady: () => isDatabaseReachable(options.db),
    metricsRegistry: options.metricsRegistry,
  });
  // Inside a plugin, so they are declared once @fastify/swagger listens for routes and are in /docs.
  app.register(async (scope) => registerLetterRoutes(scope as ServiceApp, options.db));
  return app;
}

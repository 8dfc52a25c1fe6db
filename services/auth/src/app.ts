import cookie from '@fastify/cookie';
import { createServiceApp, type Registry, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable } from '@orderflow/db';
import { registerAuthRoutes, type CookiePolicy } from './routes/auth.routes.js';
import type { AuthDeps } from './domain/deps.js';

export interface AuthAppOptions {
  deps: AuthDeps;
  cookie: CookiePolicy;
  logLevel?: string | false;
  /** Served at /metrics; absent, the app gets one of its own. */
  metricsRegistry?: Registry;
}

export function buildAuthApp(options: AuthAppOptions): ServiceApp {
  const app = createServiceApp({
    name: 'auth',
    logLevel: options.logLevel,
    isReady: () => isDatabaseReachable(options.deps.db),
    metricsRegistry: options.metricsRegistry,
    // auth is reached only through the edge, which sets X-Forwarded-For to the client's address:
    // trusting exactly that one hop gives request.ip the client, whatever the client itself sent.
    fastify: { trustProxy: (_address: string, hop: number) => hop < 1 },
  });
  app.register(cookie);
  app.register(async (scope) => registerAuthRoutes(scope as ServiceApp, options.deps, options.cookie));
  return app;
}

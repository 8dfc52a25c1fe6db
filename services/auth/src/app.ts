import cookie from '@fastify/cookie';
import proxyAddr from '@fastify/proxy-addr';
import { createServiceApp, type IdentitySigner, type Registry, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable } from '@orderflow/db';
import { registerAuthRoutes, type CookiePolicy } from './routes/auth.routes.js';
import type { AuthDeps } from './domain/deps.js';

export interface AuthAppOptions {
  deps: AuthDeps;
  cookie: CookiePolicy;
  /** Signs the identity that the forward-auth answer carries to the services. */
  identitySigner: IdentitySigner;
  /**
   * Addresses (or CIDR ranges) of the edge: only their X-Forwarded-For names the client, so a caller
   * that reaches auth directly cannot pick the address its failed logins are counted against.
   */
  trustedProxies: string[];
  logLevel?: string | false;
  /** Served at /metrics; absent, the app gets one of its own. */
  metricsRegistry?: Registry;
}

export function buildAuthApp(options: AuthAppOptions): ServiceApp {
  const isEdge = proxyAddr.compile(options.trustedProxies);
  const app = createServiceApp({
    name: 'auth',
    logLevel: options.logLevel,
    isReady: () => isDatabaseReachable(options.deps.db),
    metricsRegistry: options.metricsRegistry,
    // A peer on the Unix socket (no address) is a process on this machine, as `npm start`'s gateway
    // is: its X-Forwarded-For names the client like the edge's. Without it, every client would count
    // as one, and a login's failure could not be recorded against any address.
    fastify: { trustProxy: (address: string | undefined, hop: number) => address === undefined || isEdge(address, hop) },
  });
  app.register(cookie);
  app.register(async (scope) => registerAuthRoutes(scope as ServiceApp, options.deps, options.cookie, options.identitySigner));
  return app;
}

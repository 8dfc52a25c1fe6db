import rateLimit from '@fastify/rate-limit';
import replyFrom from '@fastify/reply-from';
import type { Dispatcher } from 'undici';
import { createServiceApp, Problem, type Registry, type ServiceApp } from '@orderflow/kit';
import { registerCanonicalPaths, registerProxyRoutes, type CredentialRateLimit, type Upstreams } from './routes/proxy.routes.js';
import { registerWebRoutes } from './routes/web.routes.js';
import { registerDocsRoutes } from './routes/docs.routes.js';
import { fetchServiceDocuments } from './clients/service-documents.client.js';
import type { ForwardAuth } from './clients/forward-auth.client.js';

export interface GatewayAppOptions {
  upstreams: Upstreams;
  forwardAuth: ForwardAuth;
  upstreamTimeoutMs: number;
  /** The dispatcher of every upstream call (createUpstreamAgent); the caller closes it. */
  upstreamAgent: Dispatcher;
  credentialRateLimit: CredentialRateLimit;
  logLevel?: string | false;
  /** The built storefront (web/dist), served at `/`; absent, the gateway serves only the API. */
  webDir?: string;
  /** Counts the gateway's requests; main serves it on a port of its own, never on the public one. */
  metricsRegistry?: Registry;
}

/** The local edge: what ingress-nginx with `auth-url` does in Kubernetes. */
export function buildGatewayApp(options: GatewayAppOptions): ServiceApp {
  const app = createServiceApp({ name: 'gateway', logLevel: options.logLevel, docs: false, bodyLimit: 64 * 1024, metricsRegistry: options.metricsRegistry, serveMetrics: false });
  registerCanonicalPaths(app);
  app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new Problem({
        status: 429,
        code: 'auth.too_many_requests',
        title: 'Too many requests',
        detail: `Too many sign-up and login attempts from this address; try again in ${Math.ceil(context.ttl / 1000)} s.`,
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  });
  app.register(replyFrom, {
    undici: options.upstreamAgent,
    // reply-from's own option (two info lines per proxied request), not Fastify's deprecated one.
    disableRequestLogging: true,
  });
  app.register(async (scope) =>
    registerProxyRoutes(scope as ServiceApp, options.upstreams, options.forwardAuth, { timeoutMs: options.upstreamTimeoutMs, credentialRateLimit: options.credentialRateLimit }),
  );
  app.register(async (scope) => registerDocsRoutes(scope as ServiceApp, () => fetchServiceDocuments(options.upstreams, options.upstreamAgent)));
  const { webDir } = options;
  if (webDir !== undefined) app.register(async (scope) => registerWebRoutes(scope as ServiceApp, webDir));
  return app;
}

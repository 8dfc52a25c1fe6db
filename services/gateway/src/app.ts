import replyFrom from '@fastify/reply-from';
import { createServiceApp, type Registry, type ServiceApp } from '@orderflow/kit';
import { registerProxyRoutes, type Upstreams } from './routes/proxy.routes.js';
import { registerWebRoutes } from './routes/web.routes.js';
import type { ForwardAuth } from './clients/forward-auth.client.js';

export interface GatewayAppOptions {
  upstreams: Upstreams;
  forwardAuth: ForwardAuth;
  upstreamTimeoutMs: number;
  logLevel?: string | false;
  /** The built storefront (web/dist), served at `/`; absent, the gateway serves only the API. */
  webDir?: string;
  /** Served at /metrics on the gateway's own port (the edge routes no such path); absent, one of its own. */
  metricsRegistry?: Registry;
}

/** The local edge: what ingress-nginx with `auth-url` does in Kubernetes. */
export function buildGatewayApp(options: GatewayAppOptions): ServiceApp {
  const app = createServiceApp({ name: 'gateway', logLevel: options.logLevel, docs: false, bodyLimit: 64 * 1024, metricsRegistry: options.metricsRegistry });
  app.register(replyFrom, {
    undici: { connections: 64, keepAliveTimeout: 60_000, headersTimeout: options.upstreamTimeoutMs, bodyTimeout: options.upstreamTimeoutMs },
    disableRequestLogging: true,
  });
  app.register(async (scope) => registerProxyRoutes(scope as ServiceApp, options.upstreams, options.forwardAuth, options.upstreamTimeoutMs));
  const { webDir } = options;
  if (webDir !== undefined) app.register(async (scope) => registerWebRoutes(scope as ServiceApp, webDir));
  app.addHook('onClose', () => options.forwardAuth.close());
  return app;
}

import Fastify, { type FastifyInstance } from 'fastify';
import type { ServiceName } from '@orderflow/stack';
import type { EdgeUpstream } from './nginx.js';
import { readPublicOperations } from './public-document.js';

type Route = { method: string; url: string; isPublic: boolean };

/** A service's public routes, read from the public document (docs/openapi.json), in the router's spelling. */
const publicRoutesOf = (service: ServiceName): Route[] =>
  readPublicOperations()
    .filter((operation) => operation.service === service)
    .map((operation) => ({ method: operation.method, url: operation.path.replace('{id}', ':id'), isPublic: true }));
const publicRoutes = (routes: string[][]): Route[] => routes.map(([method, url]) => ({ method: method!, url: url!, isPublic: true }));
// The rest under every method: an edge that lets the path through has failed, whatever the verb.
const privateRoutes = (urls: string[]): Route[] => urls.flatMap((url) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ({ method, url, isPublic: false })));
const OPERATIONAL = ['/internal/*', '/health/*', '/metrics', '/docs', '/docs/*'];

/**
 * Every route each service registers, public or not: what that service's router (find-my-way, as in
 * the services) would make of a path an edge sent it. The private ones are kept by hand beside the
 * services' routes; `isPublic` is what an edge may route to.
 */
export const SERVICE_ROUTES: Record<EdgeUpstream, Route[]> = {
  auth: [
    ...publicRoutesOf('auth'),
    // Envoy's ext-auth form of /auth: called by the Gateway API edge itself, never routed for a client.
    ...privateRoutes(['/auth/*', ...OPERATIONAL]),
  ],
  billing: [...publicRoutesOf('billing'), ...privateRoutes(OPERATIONAL)],
  order: [...publicRoutesOf('order'), ...privateRoutes(OPERATIONAL)],
  notification: [...publicRoutesOf('notification'), ...privateRoutes(OPERATIONAL)],
  // The storefront's nginx (web/nginx.conf): the page, its bundle, and /health for the kubelet only.
  web: [...publicRoutes([['GET', '/'], ['GET', '/assets/*']]), ...privateRoutes(['/health'])],
};

export interface RecordedRoute {
  service: EdgeUpstream;
  method: string;
  /** The route pattern the service's router matched, or undefined when none did. */
  route: string | undefined;
  url: string;
}

export interface RouteRecorders {
  /** `host:port` of each stand-in service. */
  hosts: Record<EdgeUpstream, string>;
  urls: Record<EdgeUpstream, string>;
  seen: RecordedRoute[];
  close(): Promise<void>;
}

/**
 * Five servers standing in for the services and the storefront behind an edge: each routes like the
 * one it stands for and records which route each request reached. Auth's `GET /auth` says yes to
 * everyone, as for a valid session.
 */
export async function startRouteRecorders(): Promise<RouteRecorders> {
  const seen: RecordedRoute[] = [];
  const apps: Partial<Record<EdgeUpstream, FastifyInstance>> = {};
  const hosts = {} as Record<EdgeUpstream, string>;
  for (const service of Object.keys(SERVICE_ROUTES) as EdgeUpstream[]) {
    const app: FastifyInstance = Fastify({ logger: false });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addHook('onRequest', async (request) => {
      // Both edges name the client of every request they pass on; the edge's own calls (the gateway
      // reading each service's /docs/json for the public document) are no client's request.
      if (request.headers['x-forwarded-for'] === undefined) return;
      seen.push({ service, method: request.method, route: request.routeOptions.url, url: request.url });
    });
    for (const { method, url } of SERVICE_ROUTES[service]) {
      app.route({
        method: method as 'GET',
        url,
        handler: async (_request, reply) => {
          if (service === 'auth' && url === '/auth') {
            reply.headers({ 'x-userid': '7', 'x-user': 'ada', 'x-email': 'ada%40example.com', 'x-first-name': '', 'x-last-name': '', 'x-identity-token': 'opaque', 'x-session-expires-at': String(Date.now() + 3_600_000) });
          }
          return { service, route: url };
        },
      });
    }
    await app.listen({ host: '127.0.0.1', port: 0 });
    hosts[service] = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
    apps[service] = app;
  }
  const urls = Object.fromEntries(Object.entries(hosts).map(([service, host]) => [service, `http://${host}`])) as Record<EdgeUpstream, string>;
  return { hosts, urls, seen, close: async () => void (await Promise.all(Object.values(apps).map((app) => app.close()))) };
}

/** Whether an edge may let a request reach this route of this service: a public one, or none at all (a 404 there). */
export function mayEdgeReach(seen: RecordedRoute): boolean {
  if (seen.route === undefined) return true;
  // HEAD is answered by the GET route.
  const method = seen.method === 'HEAD' ? 'GET' : seen.method;
  return SERVICE_ROUTES[seen.service].some((r) => r.url === seen.route && r.method === method && r.isPublic);
}

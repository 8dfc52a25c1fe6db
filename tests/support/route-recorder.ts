import Fastify, { type FastifyInstance } from 'fastify';

/**
 * Every route the four services register, public or not: what a service's router (find-my-way, as in
 * the services) would make of a path the edge let through. Kept by hand beside the services' routes;
 * `isPublic` is what an edge may route to.
 */
export const SERVICE_ROUTES: ReadonlyArray<{ method: string; url: string; isPublic: boolean }> = [
  ...[
    ['POST', '/register'], ['POST', '/login'], ['GET', '/logout'], ['POST', '/logout'], ['GET', '/auth'], ['GET', '/signin'],
    ['GET', '/billing/current'], ['POST', '/billing/change'], ['GET', '/billing/transactions'],
    ['POST', '/order'], ['GET', '/order'], ['GET', '/order/:id'], ['PUT', '/order/:id/pay'], ['POST', '/order/:id/cancel'],
    // Envoy's ext-auth form of /auth is under /auth/*, below: for the Gateway API edge, never a client.
    ['GET', '/notification'],
  ].map(([method, url]) => ({ method: method!, url: url!, isPublic: true })),
  // The rest under every method: an edge that lets the path through has failed, whatever the verb.
  ...['/auth/*', '/internal/*', '/health/*', '/metrics', '/docs', '/docs/*'].flatMap((url) =>
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ({ method, url, isPublic: false })),
  ),
];

export interface RecordedRoute {
  method: string;
  /** The route pattern the router matched, or undefined when none did. */
  route: string | undefined;
  url: string;
}

export interface RouteRecorder {
  host: string;
  url: string;
  seen: RecordedRoute[];
  close(): Promise<void>;
}

/**
 * One server standing in for all four services behind an edge: it routes like they do and records
 * which route each request reached. `GET /auth` says yes to everyone, as auth does for a valid session.
 */
export async function startRouteRecorder(): Promise<RouteRecorder> {
  const seen: RecordedRoute[] = [];
  const app: FastifyInstance = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', async (request) => {
    seen.push({ method: request.method, route: request.routeOptions.url, url: request.url });
  });
  for (const { method, url } of SERVICE_ROUTES) {
    app.route({
      method: method as 'GET',
      url,
      handler: async (_request, reply) => {
        if (url === '/auth') {
          reply.headers({ 'x-userid': '7', 'x-user': 'ada', 'x-email': 'ada%40example.com', 'x-first-name': '', 'x-last-name': '', 'x-identity-token': 'opaque', 'x-session-expires-at': String(Date.now() + 3_600_000) });
        }
        return { route: url };
      },
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, seen, close: () => app.close() };
}

/** Whether an edge may let a request reach this route: a public one, or none at all (a 404 upstream). */
export function mayEdgeReach(method: string, route: string | undefined): boolean {
  if (route === undefined) return true;
  // HEAD is answered by the GET route.
  const asMethod = method === 'HEAD' ? 'GET' : method;
  return SERVICE_ROUTES.some((r) => r.url === route && r.method === asMethod && r.isPublic);
}

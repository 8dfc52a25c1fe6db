import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { notFound, type ServiceApp } from '@orderflow/kit';

// The page loads only its own bundle: no inline script, no third party, never inside a frame.
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The storefront built by `npm run build` (web/dist): `/` is its index.html, revalidated on every
 * visit so a new build shows at once; `/assets/*` are named by content hash, so browsers keep them a
 * year. Nothing else is served: the app routes with the URL hash, and every other path, `/internal/*`
 * included, stays the API's or a 404 problem.
 */
export function registerWebRoutes(app: ServiceApp, distDir: string): void {
  if (!existsSync(path.join(distDir, 'index.html'))) {
    app.log.warn({ distDir }, 'storefront not built; / answers 404');
    app.get('/', async () => {
      throw notFound('web.not_built', 'The storefront is not built: run `npm run build`, then restart.');
    });
    return;
  }

  app.register(fastifyStatic, { root: path.join(distDir, 'assets'), prefix: '/assets/', index: false, maxAge: '365d', immutable: true });
  app.get('/', (_request, reply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .sendFile('index.html', distDir, { cacheControl: false }),
  );
}

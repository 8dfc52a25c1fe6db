import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStubPeer, type StubPeer } from '@orderflow/kit/testing';
import type { ServiceApp } from '@orderflow/kit';
import { buildGatewayApp } from '../src/app.js';
import { createReplicas } from '@orderflow/http-client';
import { createUpstreamAgent } from '../src/upstreams.js';
import { createForwardAuth } from '../src/clients/forward-auth.client.js';
import { createSessionCache } from '../src/session-cache.js';
import { PUBLIC_ROUTES, type UpstreamName } from '../src/routes/public-routes.js';

const OK = { description: 'Default Response', content: { 'application/json': { schema: { type: 'object' } } } };
const NOT_FOUND = { description: '`order.not_found`', content: { 'application/json': { schema: { type: 'object' } } } };

/** A service's /docs/json as @fastify/swagger writes it: every public route of the service, and an internal one. */
function documentOf(service: UpstreamName) {
  const paths: Record<string, Record<string, unknown>> = { '/internal/secret': { post: { responses: { 200: OK } } } };
  for (const route of PUBLIC_ROUTES.filter((r) => r.service === service)) {
    const path = route.url.replace(':id', '{id}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: { summary: `${route.method} ${path}`, tags: [service], responses: path === '/order/{id}' ? { 200: OK, 404: NOT_FOUND } : { 200: OK } } };
  }
  return { openapi: '3.0.3', paths };
}

describe('GET /docs at the gateway', () => {
  const upstreamAgent = createUpstreamAgent(1000);
  const services: Partial<Record<UpstreamName, StubPeer>> = {};
  const documents = {} as Record<UpstreamName, ReturnType<typeof documentOf>>;

  async function buildGateway(): Promise<ServiceApp> {
    const upstreams = Object.fromEntries(Object.entries(services).map(([name, stub]) => [name, createReplicas(name, [stub.url])])) as Record<UpstreamName, ReturnType<typeof createReplicas<string>>>;
    const app = buildGatewayApp({ upstreams, upstreamAgent, forwardAuth: createForwardAuth(upstreams.auth, createSessionCache({ ttlMs: 0 }), upstreamAgent), upstreamTimeoutMs: 1000, credentialRateLimit: { max: 1000, windowMs: 10_000 }, logLevel: false });
    await app.ready();
    return app;
  }

  before(async () => {
    for (const name of ['auth', 'billing', 'order', 'notification'] as const) {
      documents[name] = documentOf(name);
      services[name] = await startStubPeer((call) => (call.url === '/docs/json' ? { status: 200, body: documents[name] } : { status: 404 }));
    }
  });
  after(async () => {
    await upstreamAgent.close();
    await Promise.all(Object.values(services).map((stub) => stub.close()));
  });

  test('when every service describes its public routes, then the document holds exactly the routes the edge serves, with their security and problems', async () => {
    const app = await buildGateway();

    const response = await app.inject({ method: 'GET', url: '/docs' });

    await app.close();
    assert.equal(response.statusCode, 200);
    const document = response.json();
    const operations = Object.entries(document.paths as Record<string, Record<string, { security: unknown[]; responses: Record<string, { description: string }> }>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(operations.sort(), PUBLIC_ROUTES.map((route) => `${route.method} ${route.url.replace(':id', '{id}')}`).sort());
    assert.deepEqual(document.paths['/order/{id}'].get.security, [{ session: [] }, { bearer: [] }]);
    assert.deepEqual(document.paths['/login'].post.security, []);
    assert.equal(document.paths['/order/{id}'].get.responses['404'].description, 'A problem: `order.not_found`');
    assert.match(document.paths['/order/{id}'].get.responses['401'].description, /`auth.unauthenticated`/);
    assert.match(document.paths['/login'].post.responses['429'].description, /`auth.too_many_requests`/);
    assert.deepEqual(document.paths['/order/{id}'].get.responses['404'].content, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    assert.deepEqual(document.components.securitySchemes.session, { type: 'apiKey', in: 'cookie', name: 'session_id', description: 'The session cookie that POST /login sets.' });
  });

  for (const [name, change] of [
    ['a public route is missing from its service’s document', (doc: ReturnType<typeof documentOf>) => delete doc.paths['/order/{id}/pay']],
    ['a public route has no response schema', (doc: ReturnType<typeof documentOf>) => (doc.paths['/order/{id}/pay'] = { put: { responses: {} } })],
  ] as const) {
    test(`when ${name}, then /docs is a 500 problem naming the route`, async () => {
      const saved = documents.order;
      documents.order = structuredClone(saved);
      change(documents.order);
      const app = await buildGateway();

      const response = await app.inject({ method: 'GET', url: '/docs' });

      await app.close();
      documents.order = saved;
      assert.equal(response.statusCode, 500);
      assert.equal(response.json().code, 'docs.incomplete');
      assert.match(response.json().detail, /^PUT \/order\/\{id\}\/pay is public at the edge, but order's document/);
    });
  }
});

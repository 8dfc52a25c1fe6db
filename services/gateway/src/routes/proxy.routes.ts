import type { FastifyReply, FastifyRequest } from 'fastify';
import { IDENTITY_HEADER_NAMES, serviceUnavailable, type ServiceApp } from '@orderflow/kit';
import { isConnectionRefused, type Upstream } from '../upstreams.js';
import type { ForwardAuth } from '../clients/forward-auth.client.js';

export interface Upstreams {
  auth: Upstream;
  billing: Upstream;
  order: Upstream;
  notification: Upstream;
}

/**
 * What the edge exposes, the same table as the Kubernetes ingresses: auth's own routes pass without a
 * session (auth checks what it needs), every other route needs one. `/internal/*` and anything
 * unlisted is a 404 here.
 */
export const PUBLIC_AUTH_ROUTES = ['/register', '/login', '/logout', '/signin', '/auth'] as const;
export const PROTECTED_ROUTES = [
  { paths: ['/billing/*'], service: 'billing' },
  { paths: ['/order', '/order/*'], service: 'order' },
  { paths: ['/notification', '/notification/*'], service: 'notification' },
] as const;

const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function registerProxyRoutes(app: ServiceApp, upstreams: Upstreams, forwardAuth: ForwardAuth, timeoutMs: number): void {
  // Bodies pass through untouched (the services validate them) and are kept as bytes, so a request
  // can be resent to another replica when the first refused the connection.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const path of PUBLIC_AUTH_ROUTES) {
    app.route({
      method: PROXY_METHODS,
      url: path,
      // auth has revoked the session by the time its logout answer passes here: forget it before the
      // client can send its next request.
      onSend: path === '/logout' ? async (request) => forwardAuth.revoke(request.headers) : undefined,
      handler: (request, reply) => forward(request, reply, upstreams.auth, {}),
    });
  }

  for (const route of PROTECTED_ROUTES) {
    for (const path of route.paths) {
      app.route({
        method: PROXY_METHODS,
        url: path,
        handler: async (request, reply) => {
          const identity = await forwardAuth.check({
            cookie: request.headers.cookie,
            authorization: request.headers.authorization,
            requestId: request.id,
            originalMethod: request.method,
            originalUri: request.url,
            clientIp: request.ip,
          });
          return forward(request, reply, upstreams[route.service], identity, { dropCredentials: true });
        },
      });
    }
  }

  function forward(request: FastifyRequest, reply: FastifyReply, upstream: Upstream, identity: Record<string, string>, options: { dropCredentials?: boolean } = {}, tried = new Set<string>()): FastifyReply {
    const baseUrl = upstream.pick(tried);
    if (baseUrl === undefined) throw serviceUnavailable(`${upstream.name}.unavailable`, `The ${upstream.name} service is unavailable; try again shortly.`);
    tried.add(baseUrl);
    const body = request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined;
    return reply.from(`${baseUrl}${request.url}`, {
      timeout: timeoutMs,
      ...(body === undefined ? {} : { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }),
      rewriteRequestHeaders: (_request, headers) => {
        // A client's own copies of the identity headers are dropped: only auth's answer is passed on.
        for (const name of IDENTITY_HEADER_NAMES) delete headers[name];
        // With tracing on, the upstream call carries the gateway's own traceparent; a client's copy
        // passed along beside it would make the upstream's header unparseable and break the trace.
        delete headers.traceparent;
        delete headers.tracestate;
        if (options.dropCredentials === true) {
          delete headers.cookie;
          delete headers.authorization;
        }
        return { ...headers, ...identity, 'x-request-id': request.id, 'x-forwarded-for': request.ip };
      },
      onError: (failedReply, { error }) => {
        if (isConnectionRefused(error)) {
          upstream.markDown(baseUrl);
          if (tried.size < upstream.size) return void forward(request, failedReply as unknown as FastifyReply, upstream, identity, options, tried);
        }
        request.log.warn({ err: error, upstream: upstream.name }, 'upstream failed');
        const problem = serviceUnavailable(`${upstream.name}.unavailable`, `The ${upstream.name} service did not answer; try again shortly.`, error);
        void failedReply.send(problem);
      },
    });
  }
}

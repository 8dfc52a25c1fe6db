import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalPath, ID_PATTERN, IDENTITY_HEADER_NAMES, Problem, serviceUnavailable, type ServiceApp } from '@orderflow/kit';
import { isConnectionRefused } from '@orderflow/http-client';
import type { Upstream } from '../upstreams.js';
import type { ForwardAuth } from '../clients/forward-auth.client.js';
import { CREDENTIAL_ROUTES, PUBLIC_ROUTES, type UpstreamName } from './public-routes.js';

export type Upstreams = Record<UpstreamName, Upstream>;

export interface CredentialRateLimit {
  /** Register and login attempts one client address may make per window, together. */
  max: number;
  windowMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The one spelling of the request's path that the edge matched and forwards. */
    forwardPath: string;
  }
}

const IdParamsSchema = { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN } } } as const;

export function registerProxyRoutes(app: ServiceApp, upstreams: Upstreams, forwardAuth: ForwardAuth, options: { timeoutMs: number; credentialRateLimit: CredentialRateLimit }): void {
  // Bodies pass through untouched (the services validate them) and are kept as bytes, so a request
  // can be resent to another replica when the first refused the connection.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const route of PUBLIC_ROUTES) {
    const upstream = upstreams[route.service];
    app.route({
      method: route.method,
      url: route.url,
      schema: route.url.includes(':id') ? { params: IdParamsSchema } : undefined,
      config: CREDENTIAL_ROUTES.includes(route.url)
        ? { rateLimit: { max: options.credentialRateLimit.max, timeWindow: options.credentialRateLimit.windowMs, groupId: 'credentials' } }
        : undefined,
      // auth has revoked the session by the time its logout answer passes here: forget it before the
      // client can send its next request.
      onSend: route.url === '/logout' ? async (request) => forwardAuth.revoke(request.headers) : undefined,
      handler: route.needsSession
        ? async (request, reply) => {
            const identity = await forwardAuth.check({
              cookie: request.headers.cookie,
              authorization: request.headers.authorization,
              requestId: request.id,
              originalMethod: request.method,
              originalUri: request.forwardPath + queryOf(request.url),
              clientIp: request.ip,
            });
            return forward(request, reply, upstream, identity, { dropCredentials: true });
          }
        : (request, reply) => forward(request, reply, upstream, {}),
    });
  }

  function forward(request: FastifyRequest, reply: FastifyReply, upstream: Upstream, identity: Record<string, string>, forwardOptions: { dropCredentials?: boolean } = {}, tried = new Set<string>()): FastifyReply {
    const baseUrl = upstream.pick(tried);
    if (baseUrl === undefined) throw serviceUnavailable(`${upstream.name}.unavailable`, `The ${upstream.name} service is unavailable; try again shortly.`);
    tried.add(baseUrl);
    const body = request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined;
    return reply.from(`${baseUrl}${request.forwardPath}${queryOf(request.url)}`, {
      timeout: options.timeoutMs,
      ...(body === undefined ? {} : { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }),
      rewriteRequestHeaders: (_request, headers) => {
        // A client's own copies of the identity headers are dropped: only auth's answer is passed on.
        for (const name of IDENTITY_HEADER_NAMES) delete headers[name];
        // With tracing on, the upstream call carries the gateway's own traceparent; a client's copy
        // passed along beside it would make the upstream's header unparseable and break the trace.
        delete headers.traceparent;
        delete headers.tracestate;
        if (forwardOptions.dropCredentials === true) {
          delete headers.cookie;
          delete headers.authorization;
        }
        return {
          ...headers,
          ...identity,
          'x-request-id': request.id,
          'x-forwarded-for': request.ip,
          // The host the client addressed, for the services' cross-site check.
          'x-forwarded-host': request.headers.host ?? '',
        };
      },
      // Keep-alive between the gateway and a service is the gateway's business; the client's own
      // `Connection: close` must still close the client's connection.
      rewriteHeaders: (headers) => {
        const { connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
        return rest;
      },
      onError: (failedReply, { error }) => {
        if (isConnectionRefused(error)) {
          upstream.markDown(baseUrl);
          if (tried.size < upstream.size) return void forward(request, failedReply as unknown as FastifyReply, upstream, identity, forwardOptions, tried);
        }
        request.log.warn({ err: error, upstream: upstream.name }, 'upstream failed');
        const problem = serviceUnavailable(`${upstream.name}.unavailable`, `The ${upstream.name} service did not answer; try again shortly.`, error);
        void failedReply.send(problem);
      },
    });
  }
}

/** Refuses, before any route runs, a path the edge would not forward exactly as it matched it. */
export function registerCanonicalPaths(app: ServiceApp): void {
  app.decorateRequest('forwardPath', '');
  app.addHook('onRequest', async (request) => {
    const path = canonicalPath(request.url);
    if (path instanceof Problem) throw path;
    request.forwardPath = path;
  });
}

function queryOf(url: string): string {
  const start = url.indexOf('?');
  return start === -1 ? '' : url.slice(start);
}

import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { KeyObject } from 'node:crypto';
import { Problem, toProblemDocument, unauthorized } from './problem.js';
import { createIdentityVerifier, IDENTITY_HEADERS } from './identity.js';
import { checkRequestTarget } from './request-target.js';
import { loggerOptions } from './logger.js';
import { createMetricsRegistry, registerMetrics, type Registry } from './metrics.js';
import { nameServerSpan } from './spans.js';
import { databaseUnavailable, isDatabaseUnavailable } from './database-unavailable.js';

function newFastify(options: FastifyServerOptions) {
  return Fastify(options).withTypeProvider<TypeBoxTypeProvider>();
}

export type ServiceApp = ReturnType<typeof newFastify>;

export interface ServiceAppOptions {
  /** The service's name: logger name, OpenAPI title. */
  name: string;
  /** Shared secret that callers of `/internal/*` routes present as `Authorization: Bearer …`. */
  internalToken?: string;
  /**
   * auth's public key: a request's `x-identity-token` is verified with it and, when valid, becomes
   * `request.identity`. Absent, the app believes no identity (auth and the gateway need none).
   */
  identityPublicKey?: KeyObject;
  /** `false` silences logs (tests); otherwise a pino level. */
  logLevel?: string | false;
  /** Answers the readiness probe: true when dependencies such as the database are reachable. */
  isReady?: () => Promise<boolean>;
  /** Serve the OpenAPI document at /docs (default true). */
  docs?: boolean;
  /** Largest accepted request body. Everything here is a small JSON document. */
  bodyLimit?: number;
  /**
   * The registry served at /metrics, to which the app adds its per-route metrics. main passes the
   * process's (see createMetricsRegistry); absent, the app gets one of its own, so a test can build
   * as many apps as it likes.
   */
  metricsRegistry?: Registry;
  /** Answer GET /metrics on the app's own port (default true; the gateway's port is public). */
  serveMetrics?: boolean;
  fastify?: Partial<FastifyServerOptions>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The Fastify instance every service starts from: strict validation (unknown fields and wrong types
 * are rejected, never coerced or silently dropped), a request id carried across hops, RFC 9457 errors,
 * health probes, the OpenAPI document at /docs and the internal-token guard on /internal/*.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = newFastify({
    logger: options.logLevel === false ? false : loggerOptions(options.name, options.logLevel ?? 'info'),
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    // Fastify's two lines per request at info cost more CPU than the request itself on the hot path
    // (six hops per paid order); one line at debug is written instead (LOG_LEVEL=debug shows it), and
    // /metrics and traces carry the per-request picture. Warnings and errors still carry the request id.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Fastify raises before routing (a path that does not decode) get the same problem documents.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, asProblem(error)),
    // A caller's id is kept so one id follows a request through every hop; a malformed one is replaced.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: {
      customOptions: {
        // Reject rather than repair: a body with unknown fields or a string for a number is a client bug.
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: true,
        allErrors: true,
      },
    },
    // Header and request timeouts are enforced when the server checks its connections: every second,
    // not Node's default 30, so a slow-header client is cut off close to its deadline.
    // (`http` is passed to http.createServer; Fastify's options type lists it only for its HTTP/1 overload.)
    ...({ http: { connectionsCheckingInterval: 1_000 } } as Partial<FastifyServerOptions>),
    ...options.fastify,
  });

  app.addHook('onRequest', async (request) => {
    const invalid = checkRequestTarget(request.url);
    if (invalid !== undefined) throw invalid;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    done();
  });
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.url !== undefined) nameServerSpan(request.method, request.routeOptions.url);
    done();
  });
  // Only JSON bodies (Fastify's default also parses text/plain): a cross-site <form> can send
  // text/plain without a preflight, JSON it cannot.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', refuseCrossSiteWrites);

  registerMetrics(app, options.metricsRegistry ?? createMetricsRegistry({ app: options.name }), { serve: options.serveMetrics !== false });

  registerErrorHandling(app);
  if (options.docs !== false) registerDocs(app, options.name);
  registerHealth(app, options.isReady);
  if (options.internalToken !== undefined) registerInternalGuard(app, options.internalToken);
  if (options.identityPublicKey !== undefined) registerIdentityVerification(app, options.identityPublicKey);
  return app;
}

function registerErrorHandling(app: ServiceApp): void {
  app.setErrorHandler((error: FastifyError | Problem, request, reply) => {
    const problem = asProblem(error);
    // The database being down is an outage to wait out, not a bug of ours: a warning.
    if (problem.code === 'database.unavailable') request.log.warn({ err: error }, 'request failed: database unavailable');
    else if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    return sendProblem(request, reply, problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = new Problem({
      status: 404,
      code: 'route.not_found',
      title: 'Not found',
      detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
    });
    return reply.status(404).type('application/problem+json').send(toProblemDocument(problem, undefined, request.id));
  });
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .status(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(toProblemDocument(problem, request.url.split('?')[0], request.id));
}

function asProblem(error: FastifyError | Problem): Problem {
  if (error instanceof Problem) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fastifyError.validation.map((issue) => ({
      pointer: `${fastifyError.validationContext ?? 'body'}${issue.instancePath}`,
      detail: describeValidationIssue(issue),
    }));
    return new Problem({
      status: 400,
      code: 'request.invalid',
      title: 'Invalid request',
      detail: errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '),
      extensions: { errors },
    });
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const codes: Record<string, string> = {
      FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed_json',
      FST_ERR_CTP_BODY_TOO_LARGE: 'request.too_large',
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid',
      FST_ERR_BAD_URL: 'request.malformed_url',
    };
    const code = codes[fastifyError.code] ?? (error instanceof SyntaxError ? 'request.malformed_json' : 'request.invalid');
    return new Problem({ status, code, title: 'Bad request', detail: fastifyError.message });
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailable(error);
  // A 5xx says nothing of its cause: stack traces and SQL stay in the log.
  return new Problem({ status: 500, code: 'internal', title: 'Internal error', detail: 'Something went wrong on our side.', cause: error });
}

function describeValidationIssue(issue: NonNullable<FastifyError['validation']>[number]): string {
  const params = issue.params as Record<string, unknown>;
  if (issue.keyword === 'additionalProperties') return `unknown field '${String(params.additionalProperty)}'`;
  if (issue.keyword === 'required') return `missing field '${String(params.missingProperty)}'`;
  return issue.message ?? 'is invalid';
}

/**
 * @fastify/swagger learns the routes declared after it has loaded: a service declares its routes inside
 * a plugin (`app.register`), never straight on the app, or they are missing from /docs.
 */
function registerDocs(app: ServiceApp, name: string): void {
  app.register(swagger, {
    openapi: {
      info: { title: `orderflow ${name}`, version: '0.1.0' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'session_id' },
          internalToken: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}

function registerHealth(app: ServiceApp, isReady: (() => Promise<boolean>) | undefined): void {
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: { hide: true } }, async (_request, reply) => {
    const ready = isReady === undefined ? true : await isReady().catch(() => false);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' });
  });
}

/**
 * The token guard of every `/internal/*` route. It asks which route matched, never how the URL was
 * spelled: the router percent-decodes before it matches, so `/%69nternal/…` is an internal route too.
 */
function registerInternalGuard(app: ServiceApp, token: string): void {
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', async (request) => {
    if (!isInternalRoute(request)) return;
    const presented = Buffer.from(request.headers.authorization ?? '');
    // Constant-time compare so the token cannot be guessed a byte at a time from response timings.
    const isValid = presented.length === expected.length && timingSafeEqual(presented, expected);
    if (!isValid) throw unauthorized('This internal route needs the internal token.');
  });
}

function isInternalRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith('/internal/') === true;
}

function registerIdentityVerification(app: ServiceApp, publicKey: KeyObject): void {
  const verify = createIdentityVerifier(publicKey);
  app.decorateRequest('identity', undefined);
  // The first signature check pays for WebCrypto's set-up (tens of ms): pay it before the first
  // request, with a well-formed token whose signature is wrong.
  app.addHook('onReady', async () => void (await verify(WARM_UP_TOKEN)));
  app.addHook('onRequest', async (request) => {
    const token = request.headers[IDENTITY_HEADERS.token];
    if (typeof token === 'string' && token.length <= 4096) request.identity = await verify(token);
  });
}

const WARM_UP_TOKEN = [
  Buffer.from('{"alg":"EdDSA","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"sub":"1","exp":1}').toString('base64url'),
  Buffer.alloc(64).toString('base64url'),
].join('.');

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for the browser's session cookie, which SameSite=Lax does not give against another
 * origin of the same site (another port of one host): a write is refused when the browser says it
 * comes from elsewhere (`Sec-Fetch-Site`) or, from browsers that do not send that, when its `Origin`
 * is not the host the request was sent to. Clients that send neither (newman, curl, peers) are not
 * browsers and carry no ambient cookie, so they pass.
 */
async function refuseCrossSiteWrites(request: FastifyRequest): Promise<void> {
  if (!UNSAFE_METHODS.has(request.method) || isInternalRoute(request)) return;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw crossSite(`Sec-Fetch-Site is ${String(site)}`);
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  // The edge names the host the browser used; the gateway and nginx both set X-Forwarded-Host.
  const forwardedHost = request.headers['x-forwarded-host'];
  const host = typeof forwardedHost === 'string' ? forwardedHost.split(',')[0]?.trim() : request.headers.host;
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || originHost !== host) throw crossSite(`Origin ${origin} is not ${host ?? 'this host'}`);
}

function crossSite(reason: string): Problem {
  return new Problem({ status: 403, code: 'request.cross_site', title: 'Forbidden', detail: `Cross-site writes are refused: ${reason}.` });
}

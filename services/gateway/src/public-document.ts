import { ProblemSchema } from '@orderflow/kit';
import { CREDENTIAL_ROUTES, PUBLIC_ROUTES, type PublicRoute, type UpstreamName } from './routes/public-routes.js';

/** The parts of an OpenAPI 3.0 document (as @fastify/swagger writes each service's) that the edge reads. */
export interface ServiceDocument {
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
}

interface Response {
  description: string;
  content?: Record<string, { schema: unknown }>;
  headers?: Record<string, unknown>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, Response>;
  security?: Array<Record<string, string[]>>;
}

export interface PublicDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

/** A public route that its service's document does not describe: the edge would serve an undocumented route. */
export class PublicDocumentError extends Error {}

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const SESSION: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
/** auth's own check of the session, which the edge passes without one of its own. */
const CHECKED_BY_AUTH = ['/auth'];

/** The problems any route can meet, from the services' shared error handler and from the edge. */
function edgeProblems(route: PublicRoute): Record<string, string[]> {
  return {
    ...(route.needsSession ? { 401: ['auth.unauthenticated'] } : {}),
    ...(CREDENTIAL_ROUTES.includes(route.url) ? { 429: ['auth.too_many_requests'] } : {}),
    '4XX': ['request.invalid', 'request.malformed_json', 'request.malformed_url', 'request.too_large', 'request.unsupported_media_type', 'request.cross_site'],
    '5XX': ['internal', `${route.service}.unavailable`, ...(route.needsSession ? ['auth.unavailable'] : [])],
  };
}

/**
 * The public API document: exactly the routes the edge serves (PUBLIC_ROUTES), each taken from the
 * document of the service behind it, with the edge's paths, its security and its problems. Nothing is
 * written here by hand but what the edge itself adds, so the document cannot drift from the services;
 * a public route its service does not describe, or describes without response schemas, is an error.
 */
export function composePublicDocument(documents: Record<UpstreamName, ServiceDocument>, routes: readonly PublicRoute[] = PUBLIC_ROUTES): PublicDocument {
  const paths: PublicDocument['paths'] = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const method = route.method.toLowerCase();
    const operation = documents[route.service]?.paths?.[path]?.[method];
    if (operation === undefined) throw new PublicDocumentError(`${route.method} ${path} is public at the edge, but ${route.service}'s document has no such route (is its schema missing?)`);
    // @fastify/swagger writes a route without a response schema as a bare "Default Response".
    const responses = Object.values(operation.responses ?? {});
    if (responses.length === 0 || responses.some((response) => response.content?.['application/json']?.schema === undefined)) {
      throw new PublicDocumentError(`${route.method} ${path} is public at the edge, but ${route.service}'s document gives no schema of its response`);
    }
    paths[path] = { ...paths[path], [method]: toPublicOperation(route, operation) };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'orderflow',
      version: '0.1.0',
      description:
        'The public API, as the edge (the gateway, or the ingress in Kubernetes) serves it. JSON in and out; money is a JSON number with at most two decimals. Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`. Lists answer newest first; `Link: <…>; rel="next"` leads to the older items.',
    },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'session_id', description: 'The session cookie that POST /login sets.' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same session id as `Authorization: Bearer <session id>`, for API clients.' },
      },
      schemas: { Problem: ProblemSchema },
    },
  };
}

function toPublicOperation(route: PublicRoute, operation: Operation): Operation {
  const responses: Record<string, Response> = {};
  const codes: Record<string, string[]> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (Number(status) < 400) responses[status] = response;
    else codes[status] = [...response.description.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
  }
  for (const [status, edgeCodes] of Object.entries(edgeProblems(route))) codes[status] = [...new Set([...(codes[status] ?? []), ...edgeCodes])];
  for (const [status, statusCodes] of Object.entries(codes)) {
    responses[status] = { description: `A problem: ${statusCodes.map((code) => `\`${code}\``).join(', ')}`, content: { 'application/problem+json': { schema: PROBLEM } } };
  }
  return { operationId: operationIdOf(route), ...operation, security: route.needsSession || CHECKED_BY_AUTH.includes(route.url) ? SESSION : [], responses };
}

/** `PUT /order/:id/pay` → `putOrderIdPay`: stable, and unique since the table is. */
function operationIdOf(route: PublicRoute): string {
  const words = route.url.split('/').filter((word) => word !== '').map((word) => word.replace(/^:/, ''));
  return [route.method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { readPublicOperations } from '../support/public-document.js';

/**
 * The public routes of the system, each with the Ingress (and HTTPRoute) that serves it: the API's,
 * read from the public document (docs/openapi.json, the edge's own table as GET /docs serves it), and
 * `web` for the storefront's page and its content-hashed bundle. auth's routes pass the edge unchecked.
 */
export const PUBLIC_ROUTES = [
  ...readPublicOperations().map((operation) => ({
    method: operation.method,
    path: operation.path.replace('{id}', '42'),
    edge: operation.service === 'auth' ? 'auth-proxy' : operation.service,
    isProtected: operation.service !== 'auth',
  })),
  { method: 'GET', path: '/', edge: 'web', isProtected: false },
  { method: 'GET', path: '/assets/index-abc123.js', edge: 'web', isProtected: false },
];

/**
 * Paths no edge may route: the services' internal API, their operational endpoints, near misses, and
 * what a catch-all `/` for the storefront would have let through.
 */
export const UNROUTED_PATHS = [
  '/internal',
  '/internal/',
  '/internal/accounts/42',
  '/internal/payments',
  '/internal/refunds',
  '/internal/letters',
  '/Internal/payments',
  '/orders',
  '/orders-something',
  '/billingx',
  '/notifications',
  '/register/x',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/docs',
  '/index.html',
  '/favicon.ico',
  '/assets-old/x.js',
  '/health',
];

export const IDENTITY_HEADERS = ['X-Identity-Token', 'X-UserId', 'X-User', 'X-Email', 'X-First-Name', 'X-Last-Name'];

export const EDGE_HOST = 'arch.homework';

export interface EdgePath {
  /** The Ingress or HTTPRoute that owns the path. */
  edge: string;
  host: string;
  path: string;
  type: string;
}

export function listIngressPaths(ingresses: IIngress[]): EdgePath[] {
  return ingresses.flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((p) => ({ edge: ingress.metadata?.name ?? '', host: rule.host ?? '', path: p.path ?? '/', type: p.pathType })),
    ),
  );
}

/** Prefix as Kubernetes defines it: whole path elements, a trailing slash on the prefix ignored. */
function matchesPrefixElements(prefix: string, requestPath: string): boolean {
  const trimmed = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  return trimmed === '/' || requestPath === trimmed || requestPath.startsWith(`${trimmed}/`);
}

/**
 * ingress-nginx's matching: Exact is `location = path`; Prefix matches whole elements; when any
 * Ingress of the host sets use-regex, its non-Exact paths become case-insensitive regexes anchored at
 * the start (`location ~* ^path`), and ImplementationSpecific without regex is nginx's plain prefix.
 */
export function ingressNginxMatches(edgePath: EdgePath, requestPath: string, hostUsesRegex: boolean): boolean {
  if (edgePath.type === 'Exact') return requestPath === edgePath.path;
  if (hostUsesRegex) return new RegExp(`^${edgePath.path}`, 'i').test(requestPath);
  if (edgePath.type === 'Prefix') return matchesPrefixElements(edgePath.path, requestPath);
  return requestPath.startsWith(edgePath.path);
}

export function hostUsesRegex(ingresses: IIngress[], host: string): boolean {
  return ingresses.some(
    (ingress) =>
      ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/use-regex'] === 'true' &&
      (ingress.spec?.rules ?? []).some((rule) => (rule.host ?? '') === host),
  );
}

/** The Ingresses whose rules for `host` match the path. */
export function ingressesMatching(ingresses: IIngress[], host: string, requestPath: string): string[] {
  const regex = hostUsesRegex(ingresses, host);
  const owners = listIngressPaths(ingresses)
    .filter((p) => p.host === host && ingressNginxMatches(p, requestPath, regex))
    .map((p) => p.edge);
  return [...new Set(owners)];
}

export function listRoutePaths(routes: IHTTPRoute[]): EdgePath[] {
  return routes.flatMap((route) =>
    (route.spec.hostnames ?? ['']).flatMap((host) =>
      (route.spec.rules ?? []).flatMap((rule) =>
        (rule.matches ?? [{ path: { type: 'PathPrefix' as const, value: '/' } }]).map((match) => ({
          edge: route.metadata?.name ?? '',
          host,
          path: match.path?.value ?? '/',
          type: match.path?.type ?? 'PathPrefix',
        })),
      ),
    ),
  );
}

/** Gateway API's matching: Exact, PathPrefix by whole elements, RegularExpression anchored. */
export function gatewayApiMatches(edgePath: EdgePath, requestPath: string): boolean {
  if (edgePath.type === 'Exact') return requestPath === edgePath.path;
  if (edgePath.type === 'PathPrefix') return matchesPrefixElements(edgePath.path, requestPath);
  return new RegExp(`^(?:${edgePath.path})$`).test(requestPath);
}

export function routesMatching(routes: IHTTPRoute[], host: string, requestPath: string): string[] {
  const owners = listRoutePaths(routes)
    .filter((p) => p.host === host && gatewayApiMatches(p, requestPath))
    .map((p) => p.edge);
  return [...new Set(owners)];
}

/**
 * Everything the edge serves, the same table as the Kubernetes ingresses (tests/deploy checks the
 * two agree): method, path pattern and the service behind it. Anything else, `/internal/*` and the
 * services' own `/health`, `/metrics` and `/docs` among it, is a 404 here. auth's routes pass without
 * a session (auth checks what it needs); every other route needs one.
 */
export type UpstreamName = 'auth' | 'billing' | 'order' | 'notification';

export interface PublicRoute {
  method: 'GET' | 'POST' | 'PUT';
  /** A Fastify path; `:id` takes an id (1 to 15 digits). */
  url: string;
  service: UpstreamName;
  needsSession: boolean;
}

const auth = (method: PublicRoute['method'], url: string): PublicRoute => ({ method, url, service: 'auth', needsSession: false });
const protectedRoute = (method: PublicRoute['method'], url: string, service: UpstreamName): PublicRoute => ({ method, url, service, needsSession: true });

export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  auth('POST', '/register'),
  auth('POST', '/login'),
  auth('GET', '/logout'),
  auth('POST', '/logout'),
  auth('GET', '/auth'),
  auth('GET', '/signin'),
  protectedRoute('GET', '/billing/current', 'billing'),
  protectedRoute('POST', '/billing/change', 'billing'),
  protectedRoute('GET', '/billing/transactions', 'billing'),
  protectedRoute('POST', '/order', 'order'),
  protectedRoute('GET', '/order', 'order'),
  protectedRoute('GET', '/order/:id', 'order'),
  protectedRoute('PUT', '/order/:id/pay', 'order'),
  protectedRoute('POST', '/order/:id/cancel', 'order'),
  protectedRoute('GET', '/notification', 'notification'),
];

/** The routes that cost an argon2 hash: rate-limited per client address at the edge. */
export const CREDENTIAL_ROUTES: readonly string[] = ['/register', '/login'];

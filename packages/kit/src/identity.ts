import type { FastifyRequest } from 'fastify';
import { unauthorized } from './problem.js';

/**
 * The identity headers of the seed's auth service. The edge (our gateway locally, ingress-nginx
 * `auth-response-headers` in Kubernetes) copies them from the forward-auth response and drops any
 * copies a client sent. Values other than the id are percent-encoded so that names in any script
 * survive HTTP headers, which carry only Latin-1.
 */
export const IDENTITY_HEADERS = {
  userId: 'x-userid',
  login: 'x-user',
  email: 'x-email',
  firstName: 'x-first-name',
  lastName: 'x-last-name',
} as const;

export const IDENTITY_HEADER_NAMES: readonly string[] = Object.values(IDENTITY_HEADERS);

export interface Identity {
  userId: number;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
}

export function encodeIdentityHeaders(identity: Identity): Record<string, string> {
  return {
    [IDENTITY_HEADERS.userId]: String(identity.userId),
    [IDENTITY_HEADERS.login]: encodeURIComponent(identity.login),
    [IDENTITY_HEADERS.email]: encodeURIComponent(identity.email),
    [IDENTITY_HEADERS.firstName]: encodeURIComponent(identity.firstName),
    [IDENTITY_HEADERS.lastName]: encodeURIComponent(identity.lastName),
  };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? undefined : value;
}

function decode(value: string | undefined): string {
  if (value === undefined) return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The caller as the edge vouched for it; 401 when the request did not pass the edge's auth. */
export function requireIdentity(request: FastifyRequest): Identity {
  const rawId = headerValue(request, IDENTITY_HEADERS.userId);
  if (rawId === undefined || !/^[1-9][0-9]{0,15}$/.test(rawId)) throw unauthorized();
  return {
    userId: Number(rawId),
    login: decode(headerValue(request, IDENTITY_HEADERS.login)),
    email: decode(headerValue(request, IDENTITY_HEADERS.email)),
    firstName: decode(headerValue(request, IDENTITY_HEADERS.firstName)),
    lastName: decode(headerValue(request, IDENTITY_HEADERS.lastName)),
  };
}

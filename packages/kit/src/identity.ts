import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { parse as parseCookie } from 'cookie';
import { jwtVerify, SignJWT } from 'jose';
import { unauthorized } from './problem.js';

/**
 * The identity headers of the seed's auth service, plus the signed identity every service believes.
 * The edge (our gateway locally, ingress-nginx `auth-response-headers` in Kubernetes) copies them from
 * the forward-auth response and drops any copies a client sent. The five plain headers stay for the
 * seed's clients and for logs; a service takes the caller only from `x-identity-token`, a JWS that
 * auth signs with its private key, so a pod that can reach a service cannot claim a user by sending a
 * bare `X-UserId`. Plain values other than the id are percent-encoded so that names in any script
 * survive HTTP headers, which carry only Latin-1.
 */
export const IDENTITY_HEADERS = {
  userId: 'x-userid',
  login: 'x-user',
  email: 'x-email',
  firstName: 'x-first-name',
  lastName: 'x-last-name',
  token: 'x-identity-token',
} as const;

export const IDENTITY_HEADER_NAMES: readonly string[] = Object.values(IDENTITY_HEADERS);

export interface Identity {
  userId: number;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
}

const ISSUER = 'orderflow-auth';
const AUDIENCE = 'orderflow';
/** Ids are 1 to 15 digits: far below 2^53, so no id is ever rounded on its way through a number. */
export const ID_PATTERN = '^[1-9][0-9]{0,14}$';
export const MAX_ID = 999_999_999_999_999;
const ID = new RegExp(ID_PATTERN);

/**
 * An Ed25519 key from the environment: PEM, or the same DER as one line of base64 (which fits a
 * Kubernetes Secret literal): `openssl genpkey -algorithm ed25519 | openssl pkey -outform DER | base64 -w0`.
 */
export function readIdentityKey(kind: 'private' | 'public', text: string): KeyObject {
  const isPem = text.trimStart().startsWith('-----BEGIN');
  const key = isPem
    ? kind === 'private' ? createPrivateKey(text) : createPublicKey(text)
    : kind === 'private'
      ? createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' })
      : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the identity ${kind} key must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  return key;
}

export interface IdentitySigner {
  sign(identity: Identity): Promise<string>;
}

/** Auth's half: the signed identity for one forward-auth answer. */
export function createIdentitySigner(privateKey: KeyObject, ttlSeconds: number): IdentitySigner {
  return {
    sign(identity) {
      return new SignJWT({ login: identity.login, email: identity.email, first_name: identity.firstName, last_name: identity.lastName })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
        .setSubject(String(identity.userId))
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
    },
  };
}

export type IdentityVerifier = (token: string) => Promise<Identity | undefined>;

/**
 * Every other service's half. A token is a fixed string that stays valid until it expires, and the
 * local edge reuses one per session for a few seconds, so verified tokens are remembered until then:
 * a signature is checked once per token, not once per request.
 */
export function createIdentityVerifier(publicKey: KeyObject, options: { maxEntries?: number; now?: () => number } = {}): IdentityVerifier {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const verified = new Map<string, { identity: Identity; expiresAt: number }>();
  return async (token) => {
    const remembered = verified.get(token);
    if (remembered !== undefined) {
      if (remembered.expiresAt > now()) return remembered.identity;
      verified.delete(token);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, publicKey, {
        algorithms: ['EdDSA'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(now()),
      }));
    } catch {
      return undefined;
    }
    if (typeof payload.sub !== 'string' || !ID.test(payload.sub) || payload.exp === undefined) return undefined;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const identity: Identity = {
      userId: Number(payload.sub),
      login: text(payload.login),
      email: text(payload.email),
      firstName: text(payload.first_name),
      lastName: text(payload.last_name),
    };
    if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
    verified.set(token, { identity, expiresAt: payload.exp * 1000 });
    return identity;
  };
}

export function encodeIdentityHeaders(identity: Identity, token: string): Record<string, string> {
  return {
    [IDENTITY_HEADERS.userId]: String(identity.userId),
    [IDENTITY_HEADERS.login]: encodeURIComponent(identity.login),
    [IDENTITY_HEADERS.email]: encodeURIComponent(identity.email),
    [IDENTITY_HEADERS.firstName]: encodeURIComponent(identity.firstName),
    [IDENTITY_HEADERS.lastName]: encodeURIComponent(identity.lastName),
    [IDENTITY_HEADERS.token]: token,
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller as auth signed it; set by the app's identity hook, absent without a valid token. */
    identity: Identity | undefined;
  }
}

/** The caller as auth vouched for it; 401 when the request carries no valid signed identity. */
export function requireIdentity(request: FastifyRequest): Identity {
  if (request.identity === undefined) throw unauthorized();
  return request.identity;
}

export const SESSION_COOKIE = 'session_id';

/**
 * The session id a request presents: the `session_id` cookie (decoded as every cookie parser decodes
 * it) first, else `Authorization: Bearer`. auth and the gateway's session cache both read it here, so
 * the cache is keyed on exactly the token auth checks.
 */
export function readSessionToken(headers: { cookie?: string; authorization?: string }): string | undefined {
  if (headers.cookie !== undefined) {
    const fromCookie = parseCookie(headers.cookie)[SESSION_COOKIE];
    if (fromCookie !== undefined && fromCookie !== '') return fromCookie;
  }
  const { authorization } = headers;
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}

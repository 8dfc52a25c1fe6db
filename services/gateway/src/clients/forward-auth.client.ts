import { request, type Dispatcher } from 'undici';
import { decodeJwt } from 'jose';
import { IDENTITY_HEADER_NAMES, IDENTITY_HEADERS, readSessionToken, serviceUnavailable, unauthorized, Problem } from '@orderflow/kit';
import { sendToReplicas } from '@orderflow/http-client';
import type { Upstream } from '../upstreams.js';
import type { SessionCache } from '../session-cache.js';

export interface ForwardAuthRequest {
  cookie?: string;
  authorization?: string;
  requestId: string;
  originalMethod: string;
  originalUri: string;
  clientIp: string;
}

export interface ForwardAuth {
  /** The identity headers auth vouches for, or throws 401 (no valid session) or 503 (auth unreachable). */
  check(incoming: ForwardAuthRequest): Promise<Record<string, string>>;
  /** Forgets what was remembered of this client's session: call it when a logout has been answered. */
  revoke(credentials: { cookie?: string; authorization?: string }): void;
}

/** auth's `/auth` answers when the session ends at the latest (epoch milliseconds). */
const SESSION_EXPIRES_HEADER = 'x-session-expires-at';

/**
 * The gateway's twin of ingress-nginx `auth-url`: a subrequest to auth's GET /auth carrying the
 * client's credentials and the original method and URI. Answers are remembered briefly in `cache`
 * (see session-cache.ts for why a revoked session is still refused on the very next request).
 */
export function createForwardAuth(auth: Upstream, cache: SessionCache, agent: Dispatcher): ForwardAuth {

  async function ask(baseUrl: string, incoming: ForwardAuthRequest) {
    const headers: Record<string, string> = {
      'x-request-id': incoming.requestId,
      'x-original-method': incoming.originalMethod,
      'x-original-uri': incoming.originalUri,
      'x-forwarded-for': incoming.clientIp,
    };
    if (incoming.cookie !== undefined) headers.cookie = incoming.cookie;
    if (incoming.authorization !== undefined) headers.authorization = incoming.authorization;
    return request(`${baseUrl}/auth`, { method: 'GET', headers, dispatcher: agent });
  }

  return {
    async check(incoming) {
      const token = readSessionToken(incoming);
      const remembered = token === undefined ? undefined : cache.get(token);
      if (remembered !== undefined) return remembered;
      const askedAt = Date.now();
      let response;
      try {
        response = await sendToReplicas(auth, (baseUrl) => ask(baseUrl, incoming));
      } catch (error) {
        throw serviceUnavailable('auth.unavailable', 'The auth service did not answer; try again shortly.', error);
      }
      await response.body.dump();
      if (response.statusCode === 200) {
        const identity: Record<string, string> = {};
        for (const name of IDENTITY_HEADER_NAMES) {
          const value = response.headers[name];
          if (typeof value === 'string') identity[name] = value;
        }
        // Remembered no longer than the session lives, nor than the signed identity is valid.
        const expiresAt = Math.min(Number(response.headers[SESSION_EXPIRES_HEADER]), identityExpiresAt(identity[IDENTITY_HEADERS.token]));
        if (token !== undefined && Number.isFinite(expiresAt)) cache.remember(token, identity, askedAt, expiresAt);
        return identity;
      }
      if (response.statusCode === 401) throw unauthorized();
      if (response.statusCode === 429) throw new Problem({ status: 429, code: 'auth.too_many_requests', title: 'Too many requests' });
      throw serviceUnavailable('auth.unavailable', `The auth check failed with ${response.statusCode}.`);
    },
    revoke(credentials) {
      const token = readSessionToken(credentials);
      if (token !== undefined) cache.revoke(token);
    },
  };
}

/**
 * When auth's signed identity stops being valid, with a second's margin. Without one there is nothing
 * to outlive (the services refuse such a request anyway), so the session's own end decides.
 */
function identityExpiresAt(token: string | undefined): number {
  if (token === undefined) return Number.POSITIVE_INFINITY;
  try {
    const { exp } = decodeJwt(token);
    return exp === undefined ? Number.POSITIVE_INFINITY : exp * 1000 - 1000;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

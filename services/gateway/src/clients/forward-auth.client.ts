import { Agent, request } from 'undici';
import { IDENTITY_HEADER_NAMES, serviceUnavailable, unauthorized, Problem } from '@orderflow/kit';
import { isConnectionRefused, type Upstream } from '../upstreams.js';

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
  close(): Promise<void>;
}

/**
 * The gateway's twin of ingress-nginx `auth-url`: a subrequest to auth's GET /auth carrying the
 * client's credentials and the original method and URI. Nothing is cached: a session revoked by
 * logout is refused on the very next request.
 */
export function createForwardAuth(auth: Upstream, timeoutMs: number): ForwardAuth {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

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
      const tried = new Set<string>();
      for (;;) {
        const baseUrl = auth.pick(tried);
        if (baseUrl === undefined) throw serviceUnavailable('auth.unavailable', 'The auth service is unavailable; try again shortly.');
        tried.add(baseUrl);
        let response;
        try {
          response = await ask(baseUrl, incoming);
        } catch (error) {
          if (isConnectionRefused(error)) {
            auth.markDown(baseUrl);
            continue;
          }
          throw serviceUnavailable('auth.unavailable', 'The auth service did not answer; try again shortly.', error);
        }
        await response.body.dump();
        if (response.statusCode === 200) {
          const identity: Record<string, string> = {};
          for (const name of IDENTITY_HEADER_NAMES) {
            const value = response.headers[name];
            if (typeof value === 'string') identity[name] = value;
          }
          return identity;
        }
        if (response.statusCode === 401) throw unauthorized();
        if (response.statusCode === 429) throw new Problem({ status: 429, code: 'auth.too_many_requests', title: 'Too many requests' });
        throw serviceUnavailable('auth.unavailable', `The auth check failed with ${response.statusCode}.`);
      }
    },
    close: () => agent.close(),
  };
}

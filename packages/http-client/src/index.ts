import { Pool, type Dispatcher } from 'undici';
import pRetry, { AbortError } from 'p-retry';
import { serviceUnavailable, type Problem } from '@orderflow/kit';
import { resolvePeerAddresses } from './peer-address.js';

export { isUnixAddress, resolvePeerAddresses, type PeerAddress } from './peer-address.js';

export interface PeerClientOptions {
  /** The peer's name, for errors and logs: `billing`. */
  name: string;
  /** One URL (or `unix:/path/to.sock`), or a comma-separated list of replicas taken in turn. */
  baseUrl: string;
  internalToken?: string;
  /**
   * Per attempt, from sending to the whole body. A peer call here is a few milliseconds; two seconds
   * means the peer is stuck, and the caller is better served by a retry or a clear 503.
   */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls, with exponential backoff and random jitter. */
  retries?: number;
  /** Keep-alive sockets held open to the peer. */
  connections?: number;
}

export interface PeerRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  requestId?: string;
  /**
   * Only idempotent calls are retried: a retry of a call that was not idempotent could apply it twice.
   * Every internal write in this system carries its own idempotency key, so most calls are.
   */
  idempotent: boolean;
}

export interface PeerResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export interface PeerClient {
  request<T = unknown>(request: PeerRequest): Promise<PeerResponse<T>>;
  close(): Promise<void>;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

class RetryableStatusError extends Error {
  constructor(readonly status: number) {
    super(`peer answered ${status}`);
  }
}

export function createPeerClient(options: PeerClientOptions): PeerClient {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const entries = options.baseUrl
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  const pools = resolvePeerAddresses(entries).addresses.map(
    (address) =>
      new Pool(address.socketPath === undefined ? address.origin : 'http://localhost', {
        socketPath: address.socketPath,
        connections: options.connections ?? 16,
        keepAliveTimeout: 60_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connectTimeout: Math.min(timeoutMs, 1_000),
      }),
  );
  if (pools.length === 0) throw new Error(`no URL for peer ${options.name}`);
  let turn = 0;

  /**
   * Sends to the replicas in turn. A refused connection never reached the peer, so the next
   * replica is tried at once, idempotent call or not; other failures are left to the retry policy.
   */
  async function send(request: Parameters<Pool['request']>[0]) {
    const start = turn++ % pools.length;
    for (let offset = 0; ; offset++) {
      try {
        return await pools[(start + offset) % pools.length]!.request(request);
      } catch (error) {
        if (offset + 1 >= pools.length || !isConnectionRefused(error)) throw error;
      }
    }
  }

  async function attempt<T>(request: PeerRequest): Promise<PeerResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (options.internalToken !== undefined) headers.authorization = `Bearer ${options.internalToken}`;
    if (request.requestId !== undefined) headers['x-request-id'] = request.requestId;
    let payload: string | undefined;
    if (request.body !== undefined) {
      payload = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const response = await send({
      method: request.method,
      path: request.path,
      headers,
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    if (RETRYABLE_STATUS.has(response.statusCode)) throw new RetryableStatusError(response.statusCode);
    return {
      status: response.statusCode,
      body: (text.length > 0 ? JSON.parse(text) : undefined) as T,
      headers: response.headers,
    };
  }

  return {
    async request<T>(request: PeerRequest): Promise<PeerResponse<T>> {
      try {
        return await pRetry(
          async () => {
            try {
              return await attempt<T>(request);
            } catch (error) {
              if (!request.idempotent) throw new AbortError(error as Error);
              throw error;
            }
          },
          {
            retries: request.idempotent ? (options.retries ?? 2) : 0,
            minTimeout: 50,
            maxTimeout: 500,
            factor: 2,
            randomize: true,
          },
        );
      } catch (error) {
        throw peerUnavailable(options.name, error);
      }
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}

function peerUnavailable(name: string, cause: unknown): Problem {
  return serviceUnavailable('peer.unavailable', `The ${name} service is unavailable right now; try again shortly.`, cause);
}

/** True when the error means the request never reached the peer, so sending it elsewhere is safe. */
export function isConnectionRefused(error: unknown): boolean {
  for (let cause = error; cause !== undefined && cause !== null; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') return true;
  }
  return false;
}

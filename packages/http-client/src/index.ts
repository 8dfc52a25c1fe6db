import { Pool, type Dispatcher } from 'undici';
import pRetry, { AbortError } from 'p-retry';
import { serviceUnavailable, type Problem } from '@orderflow/kit';
import { resolvePeerAddresses } from './peer-address.js';
import { createReplicas, sendToReplicas } from './replicas.js';

export { isUnixAddress, resolvePeerAddresses, type PeerAddress } from './peer-address.js';
export { createReplicas, isConnectionRefused, sendToReplicas, type Replicas } from './replicas.js';

export interface PeerClientOptions {
  /** The peer's name, for errors and logs: `billing`. */
  name: string;
  /** One URL (or `unix:/path/to.sock`), or a comma-separated list of replicas taken in turn. */
  baseUrl: string;
  internalToken?: string;
  /** Per attempt, from sending to the whole body: the caller's PEER_TIMEOUT_MS (peerTimeoutField). */
  timeoutMs: number;
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
  const { timeoutMs } = options;
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
  const replicas = createReplicas(`peer ${options.name}`, pools);
  const send = (request: Parameters<Pool['request']>[0]) => sendToReplicas(replicas, (pool) => pool.request(request));

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

import { Agent } from 'undici';
import type { Replicas } from '@orderflow/http-client';

/** The replicas of one upstream service, by origin (see createReplicas in @orderflow/http-client). */
export type Upstream = Replicas<string>;

/**
 * The one dispatcher of every upstream call, proxied requests and forward auth alike: keep-alive
 * pools per replica, opened on a Unix socket for a replica that has one (`factory`).
 */
export function createUpstreamAgent(timeoutMs: number, factory?: Agent.Options['factory']): Agent {
  return new Agent({ connections: 64, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, factory });
}

import { Agent } from 'undici';

export { isConnectionRefused } from '@orderflow/http-client';

/**
 * The one dispatcher of every upstream call, proxied requests and forward auth alike: keep-alive
 * pools per replica, opened on a Unix socket for a replica that has one (`factory`).
 */
export function createUpstreamAgent(timeoutMs: number, factory?: Agent.Options['factory']): Agent {
  return new Agent({ connections: 64, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, factory });
}

/**
 * The replicas of one service, taken in turn. A replica that refused a connection is skipped for a
 * short while (passive health checking, as nginx's max_fails/fail_timeout does), so a killed process
 * costs one retry, not a stream of errors.
 */
export interface Upstream {
  readonly name: string;
  /** The next replica to try, avoiding those in `exclude` and those marked down when possible. */
  pick(exclude?: ReadonlySet<string>): string | undefined;
  markDown(url: string): void;
  readonly size: number;
}

const DOWN_FOR_MS = 1_000;

export function createUpstream(name: string, urls: string[], now: () => number = Date.now): Upstream {
  if (urls.length === 0) throw new Error(`no URL for upstream ${name}`);
  const downUntil = new Map<string, number>();
  let next = 0;
  return {
    name,
    size: urls.length,
    pick(exclude = new Set()) {
      const candidates = urls.filter((url) => !exclude.has(url));
      if (candidates.length === 0) return undefined;
      const healthy = candidates.filter((url) => (downUntil.get(url) ?? 0) <= now());
      const pool = healthy.length > 0 ? healthy : candidates;
      next = (next + 1) % Number.MAX_SAFE_INTEGER;
      return pool[next % pool.length];
    },
    markDown(url) {
      downUntil.set(url, now() + DOWN_FOR_MS);
    },
  };
}

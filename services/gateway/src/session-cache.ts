/**
 * Remembers, for a few seconds, that auth vouched for a session, so a burst of requests costs one
 * forward-auth call instead of one each (the gateway's largest per-request cost after proxying).
 * It never lets a revoked or expired session through:
 * - logout through the gateway revokes the session here when auth has answered the logout, before
 *   the client sees that answer, and any check that started before then is not remembered;
 * - an entry never outlives the session's absolute expiry that auth reports, nor `ttlMs`, which is
 *   far below the idle timeout and below auth's one-minute idle-refresh interval, so every active
 *   session is still seen by auth often enough to keep its idle clock right.
 * With several gateway replicas, logout on one would not reach another's memory; run one gateway
 * or set the TTL to 0 (in Kubernetes the edge is ingress-nginx, which does not cache).
 */
export interface SessionCache {
  get(token: string): Record<string, string> | undefined;
  /** Remembers auth's answer unless the session was revoked after the check began at `askedAt`. */
  remember(token: string, identity: Record<string, string>, askedAt: number, sessionExpiresAt: number): void;
  revoke(token: string): void;
}

export function createSessionCache(options: { ttlMs: number; maxEntries?: number; now?: () => number }): SessionCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { identity: Record<string, string>; until: number }>();
  const revokedAt = new Map<string, number>();

  const pruneRevocations = () => {
    // A revocation matters only to checks still in flight; those end within a minute.
    for (const [token, at] of revokedAt) {
      if (at > now() - 60_000) break;
      revokedAt.delete(token);
    }
  };

  return {
    get(token) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (entry.until <= now()) {
        entries.delete(token);
        return undefined;
      }
      return entry.identity;
    },
    remember(token, identity, askedAt, sessionExpiresAt) {
      if (options.ttlMs <= 0) return;
      const revoked = revokedAt.get(token);
      if (revoked !== undefined && revoked >= askedAt) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(token, { identity, until: Math.min(askedAt + options.ttlMs, sessionExpiresAt) });
    },
    revoke(token) {
      entries.delete(token);
      revokedAt.delete(token);
      revokedAt.set(token, now());
      pruneRevocations();
    },
  };
}

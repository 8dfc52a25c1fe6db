import type { Queryable } from '@orderflow/db';

export interface ThrottlePolicy {
  /** Failures within the window that trigger a block. */
  maxFailures: number;
  windowSeconds: number;
  /** How long a block lasts: short, so a stranger guessing at someone's login cannot lock them out for long. */
  blockSeconds: number;
}

export function createLoginFailuresStore(db: Queryable) {
  return {
    async findBlockedUntil(login: string, client: string, now: Date): Promise<Date | null> {
      const { rows } = await db.query<{ blocked_until: Date }>(
        'SELECT blocked_until FROM login_failures WHERE login = lower($1) AND client = $2 AND blocked_until > $3',
        [login, client, now],
      );
      return rows[0]?.blocked_until ?? null;
    },

    /** Counts one failure in the current window and starts a block when the window is full. */
    async recordFailure(login: string, client: string, now: Date, policy: ThrottlePolicy): Promise<void> {
      await db.query(
        `INSERT INTO login_failures AS f (login, client, failures, window_started_at)
         VALUES (lower($1), $6, 1, $2)
         ON CONFLICT (login, client) DO UPDATE SET
           failures = CASE WHEN f.window_started_at <= $2 - make_interval(secs => $3) THEN 1 ELSE f.failures + 1 END,
           window_started_at = CASE WHEN f.window_started_at <= $2 - make_interval(secs => $3) THEN $2 ELSE f.window_started_at END,
           blocked_until = CASE
             WHEN f.window_started_at > $2 - make_interval(secs => $3) AND f.failures + 1 >= $4
             THEN $2 + make_interval(secs => $5)
             ELSE NULL END`,
        [login, now, policy.windowSeconds, policy.maxFailures, policy.blockSeconds, client],
      );
    },

    async clearFailures(login: string, client: string): Promise<void> {
      await db.query('DELETE FROM login_failures WHERE login = lower($1) AND client = $2', [login, client]);
    },
  };
}

import type { Queryable } from '@orderflow/db';
import type { User } from './users.store.js';

export interface ActiveSession {
  user: User;
  lastSeenAt: Date;
  expiresAt: Date;
}

interface SessionUserRow {
  user_id: number;
  login: string;
  email: string;
  first_name: string;
  last_name: string;
  last_seen_at: Date;
  expires_at: Date;
}

export function createSessionsStore(db: Queryable) {
  return {
    async insertSession(session: { tokenHash: Buffer; userId: number; now: Date; expiresAt: Date }): Promise<void> {
      await db.query(
        `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
        [session.tokenHash, session.userId, session.now, session.expiresAt],
      );
    },

    /** The session and its user, if it is neither past its absolute lifetime nor idle for too long. */
    async findActiveSession(tokenHash: Buffer, now: Date, idleSeconds: number): Promise<ActiveSession | null> {
      const { rows } = await db.query<SessionUserRow>({
        name: 'sessions.find_active',
        text: `SELECT s.user_id, s.last_seen_at, s.expires_at, u.login, u.email, u.first_name, u.last_name
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1
            AND s.expires_at > $2
            AND s.last_seen_at > $2 - make_interval(secs => $3)`,
        values: [tokenHash, now, idleSeconds],
      });
      const row = rows[0];
      if (row === undefined) return null;
      return {
        lastSeenAt: row.last_seen_at,
        expiresAt: row.expires_at,
        user: {
          id: row.user_id,
          login: row.login,
          email: row.email,
          firstName: row.first_name,
          lastName: row.last_name,
        },
      };
    },

    async touchSession(tokenHash: Buffer, now: Date): Promise<void> {
      await db.query('UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2', [tokenHash, now]);
    },

    async deleteSession(tokenHash: Buffer): Promise<void> {
      await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
    },

    async deleteExpiredSessionsOfUser(userId: number, now: Date, idleSeconds: number): Promise<void> {
      await db.query(
        `DELETE FROM sessions
          WHERE user_id = $1 AND (expires_at <= $2 OR last_seen_at <= $2 - make_interval(secs => $3))`,
        [userId, now, idleSeconds],
      );
    },
  };
}

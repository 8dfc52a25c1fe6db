import type { Queryable } from '@orderflow/db';

export interface User {
  id: number;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface UserWithPasswordHash extends User {
  passwordHash: string;
  /** Billing has opened the user's account (see migration 003). */
  isAccountOpen: boolean;
}

/** A user's columns, named as UserWithPasswordHash names them. */
const USER_COLUMNS = `id, login, email, first_name AS "firstName", last_name AS "lastName", password_hash AS "passwordHash",
  account_opened_at IS NOT NULL AS "isAccountOpen"`;

export function createUsersStore(db: Queryable) {
  return {
    /** Null when the login is taken (in any letter case). */
    async insertUser(user: Omit<UserWithPasswordHash, 'id' | 'isAccountOpen'>): Promise<UserWithPasswordHash | null> {
      const { rows } = await db.query<UserWithPasswordHash>(
        `INSERT INTO users (login, email, first_name, last_name, password_hash)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (lower(login)) DO NOTHING
         RETURNING ${USER_COLUMNS}`,
        [user.login, user.email, user.firstName, user.lastName, user.passwordHash],
      );
      return rows[0] ?? null;
    },

    async findUserByLogin(login: string): Promise<UserWithPasswordHash | null> {
      const { rows } = await db.query<UserWithPasswordHash>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(login) = lower($1)`, [login]);
      return rows[0] ?? null;
    },

    async markAccountOpened(userId: number): Promise<void> {
      await db.query('UPDATE users SET account_opened_at = now() WHERE id = $1 AND account_opened_at IS NULL', [userId]);
    },

    /** Users whose account is still to be opened, registered at least `minAgeMs` ago, oldest first. */
    async findUsersWithoutAccount(minAgeMs: number, limit: number): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(
        `SELECT id FROM users WHERE account_opened_at IS NULL AND created_at < now() - make_interval(secs => $1)
         ORDER BY created_at LIMIT $2`,
        [minAgeMs / 1000, limit],
      );
      return rows.map((row) => row.id);
    },
  };
}

import type { Queryable } from '@orderflow/db';
import type { PageBounds } from '@orderflow/kit';

export interface Account {
  userId: number;
  balanceMinor: number;
}

export type LedgerKind = 'top_up' | 'withdrawal' | 'payment' | 'refund';

export interface LedgerEntry {
  id: number;
  kind: LedgerKind;
  amountMinor: number;
  balanceAfterMinor: number;
  orderId: number | null;
  createdAt: Date;
}

/** Columns named as LedgerEntry names them. */
export const LIST_LEDGER_ENTRIES = `SELECT id, kind, amount_minor AS "amountMinor", balance_after_minor AS "balanceAfterMinor", order_id AS "orderId",
  created_at AS "createdAt" FROM ledger_entries WHERE user_id = $1 AND id <= coalesce($2::bigint, 9223372036854775807) ORDER BY id DESC LIMIT $3`;

export function createAccountsStore(db: Queryable) {
  return {
    /** Opens the account if it does not exist yet; either way returns it. */
    async openAccount(userId: number): Promise<Account> {
      const { rows } = await db.query<{ balance_minor: number }>(
        `WITH inserted AS (
           INSERT INTO accounts (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING RETURNING balance_minor
         )
         SELECT balance_minor FROM inserted
         UNION ALL
         SELECT balance_minor FROM accounts WHERE user_id = $1`,
        [userId],
      );
      if (rows[0] !== undefined) return { userId, balanceMinor: rows[0].balance_minor };
      // A concurrent open committed after this statement's snapshot: read it now.
      const account = await this.findAccount(userId);
      if (account === null) throw new Error(`account ${userId} neither inserted nor found`);
      return account;
    },

    async findAccount(userId: number): Promise<Account | null> {
      const { rows } = await db.query<{ balance_minor: number }>({
        name: 'accounts.find',
        text: 'SELECT balance_minor FROM accounts WHERE user_id = $1',
        values: [userId],
      });
      return rows[0] === undefined ? null : { userId, balanceMinor: rows[0].balance_minor };
    },

    /**
     * Adds `amountMinor` (negative to take money out) and writes the ledger row, in one statement and
     * so one transaction. The row lock taken by UPDATE serialises concurrent changes of one account;
     * the WHERE refuses an overdraft. Null when the account is missing or the money is not there.
     */
    async changeBalance(userId: number, amountMinor: number, kind: 'top_up' | 'withdrawal'): Promise<Account | null> {
      const { rows } = await db.query<{ balance_after_minor: number }>({
        name: 'accounts.change_balance',
        text: `WITH changed AS (
           UPDATE accounts SET balance_minor = balance_minor + $2, updated_at = now()
            WHERE user_id = $1 AND balance_minor + $2 >= 0
           RETURNING user_id, balance_minor
         )
         INSERT INTO ledger_entries (user_id, kind, amount_minor, balance_after_minor)
         SELECT user_id, $3, $2, balance_minor FROM changed
         RETURNING balance_after_minor`,
        values: [userId, amountMinor, kind],
      });
      return rows[0] === undefined ? null : { userId, balanceMinor: rows[0].balance_after_minor };
    },

    /**
     * A page of the account's ledger, newest first (see PageBounds). One range of
     * ledger_entries_user_id_idx, read in index order, whatever the depth of the page (EXPLAIN of the
     * generic plan):
     *   Limit
     *     ->  Index Scan using ledger_entries_user_id_idx on ledger_entries
     *           Index Cond: ((user_id = $1) AND (id <= COALESCE($2, '9223372036854775807'::bigint)))
     */
    async listLedgerEntries(userId: number, bounds: PageBounds): Promise<LedgerEntry[]> {
      const { rows } = await db.query<LedgerEntry>({ name: 'ledger.list', text: LIST_LEDGER_ENTRIES, values: [userId, bounds.throughId, bounds.limit] });
      return rows;
    },
  };
}

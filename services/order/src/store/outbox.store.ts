import type { Queryable } from '@orderflow/db';

export interface OutboxLetter {
  id: number;
  orderId: number;
  userId: number;
  email: string;
  event: string;
  message: string;
  attempts: number;
}

/** An outbox letter's columns, named as OutboxLetter names them. */
const OUTBOX_LETTER_COLUMNS = 'id, order_id AS "orderId", user_id AS "userId", email, event, message, attempts';

export function createOutboxStore(db: Queryable) {
  return {
    /** How many of them it marked: one already marked was delivered twice (the request and the loop). */
    async markDelivered(ids: number[]): Promise<number> {
      const { rowCount } = await db.query({ name: 'outbox.mark_delivered', text: 'UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL', values: [ids] });
      return rowCount ?? 0;
    },

    /**
     * Leases undelivered letters that are due: each gets its next attempt pushed back with exponential
     * backoff (1 s, 2 s, 4 s … capped at a minute), so a replica that dies mid-delivery leaves the
     * letter to be retried, and two replicas never take the same one (SKIP LOCKED).
     */
    async leaseDueLetters(limit: number): Promise<OutboxLetter[]> {
      const { rows } = await db.query<OutboxLetter>(
        `UPDATE outbox
            SET attempts = attempts + 1,
                next_attempt_at = now() + least(interval '60 seconds', interval '1 second' * power(2, attempts))
          WHERE id IN (
            SELECT id FROM outbox
             WHERE delivered_at IS NULL AND next_attempt_at <= now()
             ORDER BY next_attempt_at
             LIMIT $1
             FOR UPDATE SKIP LOCKED)
          RETURNING ${OUTBOX_LETTER_COLUMNS}`,
        [limit],
      );
      return rows;
    },

    async countUndelivered(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL');
      return rows[0]!.n;
    },
  };
}

import type { Payment } from '@orderflow/billing-contract';
import type { Queryable } from '@orderflow/db';

/** A decision's columns are named as the API serves it, and the pool reads bigints as numbers. */
const DECISION_COLUMNS = 'order_id, user_id, amount_minor, status, reason';

export function createPaymentsStore(db: Queryable) {
  return {
    /** The first, final decision on an order's payment, if billing made one. */
    async findDecision(orderId: number): Promise<Payment | null> {
      const { rows } = await db.query<Payment>({
        name: 'payments.find_decision',
        text: `SELECT ${DECISION_COLUMNS} FROM payment_decisions WHERE order_id = $1`,
        values: [orderId],
      });
      return rows[0] ?? null;
    },

    /**
     * Decides an order's payment in one statement: debit the account if the money is there, record
     * the decision, and write the ledger row. Two racing attempts for one order both try to insert the
     * decision; the primary key lets one commit and fails the other whole, debit included.
     */
    async decidePayment(orderId: number, userId: number, amountMinor: number): Promise<Payment> {
      const { rows } = await db.query<Payment>({
        name: 'payments.decide',
        text: `WITH debited AS (
           UPDATE accounts SET balance_minor = balance_minor - $3, updated_at = now()
            WHERE user_id = $2 AND balance_minor >= $3
           RETURNING user_id, balance_minor
         ), decision AS (
           INSERT INTO payment_decisions (order_id, user_id, amount_minor, status, reason)
           SELECT $1, $2, $3,
                  CASE WHEN EXISTS (SELECT 1 FROM debited) THEN 'succeeded' ELSE 'declined' END,
                  CASE WHEN EXISTS (SELECT 1 FROM debited) THEN NULL ELSE 'insufficient_funds' END
           RETURNING ${DECISION_COLUMNS}
         ), entry AS (
           INSERT INTO ledger_entries (user_id, kind, amount_minor, balance_after_minor, order_id)
           SELECT user_id, 'payment', -$3, balance_minor, $1 FROM debited
         )
         SELECT * FROM decision`,
        values: [orderId, userId, amountMinor],
      });
      return rows[0]!;
    },

    /**
     * Gives back a succeeded payment in one statement. The partial unique index on refunds makes a
     * racing second refund fail whole. Returns the refunded amount, or null when there is nothing
     * (left) to refund.
     */
    async refundPayment(orderId: number, userId: number): Promise<number | null> {
      const { rows } = await db.query<{ amount_minor: number }>(
        `WITH payment AS (
           SELECT user_id, amount_minor FROM payment_decisions
            WHERE order_id = $1 AND user_id = $2 AND status = 'succeeded'
              AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE order_id = $1 AND kind = 'refund')
         ), credited AS (
           UPDATE accounts a SET balance_minor = a.balance_minor + p.amount_minor, updated_at = now()
             FROM payment p WHERE a.user_id = p.user_id
           RETURNING a.user_id, a.balance_minor, p.amount_minor
         )
         INSERT INTO ledger_entries (user_id, kind, amount_minor, balance_after_minor, order_id)
         SELECT user_id, 'refund', amount_minor, balance_minor, $1 FROM credited
         RETURNING amount_minor`,
        [orderId, userId],
      );
      return rows[0]?.amount_minor ?? null;
    },

    async findRefundAmount(orderId: number, userId: number): Promise<number | null> {
      const { rows } = await db.query<{ amount_minor: number }>(
        `SELECT amount_minor FROM ledger_entries WHERE order_id = $1 AND user_id = $2 AND kind = 'refund'`,
        [orderId, userId],
      );
      return rows[0]?.amount_minor ?? null;
    },
  };
}

import { parseBigint, type Queryable } from '@orderflow/db';

/** The one vocabulary of a payment's outcome, in billing, in order and on the internal API. */
export type PaymentStatus = 'succeeded' | 'declined';

/** The first, final decision on an order's payment (order's client reads the same shape). */
export interface PaymentDecision {
  orderId: number;
  userId: number;
  amountMinor: number;
  status: PaymentStatus;
  reason: string | null;
}

interface DecisionRow {
  order_id: string;
  user_id: string;
  amount_minor: string;
  status: PaymentStatus;
  reason: string | null;
}

function toDecision(row: DecisionRow): PaymentDecision {
  return {
    orderId: parseBigint(row.order_id),
    userId: parseBigint(row.user_id),
    amountMinor: parseBigint(row.amount_minor),
    status: row.status,
    reason: row.reason,
  };
}

export function createPaymentsStore(db: Queryable) {
  return {
    async findDecision(orderId: number): Promise<PaymentDecision | null> {
      const { rows } = await db.query<DecisionRow>({
        name: 'payments.find_decision',
        text: 'SELECT * FROM payment_decisions WHERE order_id = $1',
        values: [orderId],
      });
      return rows[0] === undefined ? null : toDecision(rows[0]);
    },

    /**
     * Decides an order's payment in one statement: debit the account if the money is there, record
     * the decision, and write the ledger row. Two racing attempts for one order both try to insert the
     * decision; the primary key lets one commit and fails the other whole, debit included.
     */
    async decidePayment(orderId: number, userId: number, amountMinor: number): Promise<PaymentDecision> {
      const { rows } = await db.query<DecisionRow>({
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
           RETURNING *
         ), entry AS (
           INSERT INTO ledger_entries (user_id, kind, amount_minor, balance_after_minor, order_id)
           SELECT user_id, 'payment', -$3, balance_minor, $1 FROM debited
         )
         SELECT * FROM decision`,
        values: [orderId, userId, amountMinor],
      });
      return toDecision(rows[0]!);
    },

    /**
     * Gives back a succeeded payment in one statement. The partial unique index on refunds makes a
     * racing second refund fail whole. Returns the refunded amount, or null when there is nothing
     * (left) to refund.
     */
    async refundPayment(orderId: number, userId: number): Promise<number | null> {
      const { rows } = await db.query<{ amount_minor: string }>(
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
      return rows[0] === undefined ? null : parseBigint(rows[0].amount_minor);
    },

    async findRefundAmount(orderId: number, userId: number): Promise<number | null> {
      const { rows } = await db.query<{ amount_minor: string }>(
        `SELECT amount_minor FROM ledger_entries WHERE order_id = $1 AND user_id = $2 AND kind = 'refund'`,
        [orderId, userId],
      );
      return rows[0] === undefined ? null : parseBigint(rows[0].amount_minor);
    },
  };
}

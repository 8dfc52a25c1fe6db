import type { PaymentStatus } from '@orderflow/billing-contract';
import type { Queryable } from '@orderflow/db';
import type { PageBounds } from '@orderflow/kit';
import type { OutboxLetter } from './outbox.store.js';

export type OrderStatus = 'new' | 'pending' | 'processing' | 'failed' | 'cancelling' | 'cancelled';
/** The statuses a letter announces, each recorded with its letter (recordOutcome). */
export type OutcomeStatus = 'processing' | 'failed' | 'cancelled';

export interface Order {
  id: number;
  userId: number;
  priceMinor: number;
  status: OrderStatus;
  paymentStatus: PaymentStatus | null;
  paymentReason: string | null;
  refundedMinor: number | null;
  email: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An order's columns, named as Order names them. */
const ORDER_COLUMNS = `id, user_id AS "userId", price_minor AS "priceMinor", status, payment_status AS "paymentStatus",
  payment_reason AS "paymentReason", refunded_minor AS "refundedMinor", email, created_at AS "createdAt", updated_at AS "updatedAt"`;

export const LIST_ORDERS_OF_USER = `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND id <= coalesce($2::bigint, 9223372036854775807) ORDER BY id DESC LIMIT $3`;

export function createOrdersStore(db: Queryable) {
  /** `name` makes it a prepared statement: parsed and planned once per connection, not per call. */
  async function one(name: string, sql: string, params: unknown[]): Promise<Order | null> {
    const { rows } = await db.query<Order>({ name, text: sql, values: params });
    return rows[0] ?? null;
  }

  return {
    async insertOrder(userId: number, priceMinor: number, email: string): Promise<Order> {
      return (await one('orders.insert', `INSERT INTO orders (user_id, price_minor, email) VALUES ($1, $2, $3) RETURNING ${ORDER_COLUMNS}`, [userId, priceMinor, email]))!;
    },

    /** Only the owner's: another user's order is indistinguishable from a missing one. */
    findOrderOfUser(orderId: number, userId: number): Promise<Order | null> {
      return one('orders.find_of_user', `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND user_id = $2`, [orderId, userId]);
    },

    /**
     * A page of the user's orders, newest first (see PageBounds). One range of orders_user_id_idx, read
     * in index order, whatever the depth of the page (EXPLAIN of the generic plan):
     *   Limit
     *     ->  Index Scan using orders_user_id_idx on orders
     *           Index Cond: ((user_id = $1) AND (id <= COALESCE($2, '9223372036854775807'::bigint)))
     */
    async listOrdersOfUser(userId: number, bounds: PageBounds): Promise<Order[]> {
      const { rows } = await db.query<Order>({ name: 'orders.list_of_user', text: LIST_ORDERS_OF_USER, values: [userId, bounds.throughId, bounds.limit] });
      return rows;
    },

    /**
     * Moves an order from one status to the next, only if it is still in the expected one. The
     * conditional UPDATE is the lock: of two racing requests exactly one gets the row back. For the
     * steps no letter announces (the claim new → pending, processing → cancelling).
     */
    transition(orderId: number, from: OrderStatus, to: 'pending' | 'cancelling', changes: { ownerId?: number; email?: string } = {}): Promise<Order | null> {
      return one(
        'orders.transition',
        `UPDATE orders SET status = $3, email = coalesce($4, email), updated_at = now()
          WHERE id = $1 AND status = $2 AND ($5::bigint IS NULL OR user_id = $5)
          RETURNING ${ORDER_COLUMNS}`,
        [orderId, from, to, changes.email ?? null, changes.ownerId ?? null],
      );
    },

    /** Served by the unsettled-orders partial index, so a scrape stays cheap however many orders exist. */
    async countPending(): Promise<number> {
      const { rows } = await db.query<{ n: number }>("SELECT count(*) AS n FROM orders WHERE status = 'pending'");
      return rows[0]!.n;
    },

    /**
     * Records an outcome (`from` → processing | failed | cancelled, with billing's decision or the
     * refund) and writes its letter to the outbox, in one statement and so one transaction and one
     * round trip: an outcome never exists without its letter. Null when the order is no longer in
     * `from` (a racing request or the recovery loop recorded it first, with the same letter).
     */
    async recordOutcome(
      orderId: number,
      outcome: { from: OrderStatus; to: OutcomeStatus; payment?: { status: PaymentStatus; reason: string | null }; refundedMinor?: number },
      letter: { event: string; message: string },
    ): Promise<{ order: Order; letter: OutboxLetter } | null> {
      const { rows } = await db.query<Order & { outboxId: number; attempts: number }>({
        name: 'orders.record_outcome',
        text: `WITH recorded AS (
                 UPDATE orders
                    SET status = $3,
                        payment_status = coalesce($4, payment_status),
                        payment_reason = CASE WHEN $4::text IS NULL THEN payment_reason ELSE $5 END,
                        refunded_minor = coalesce($6, refunded_minor),
                        updated_at = now()
                  WHERE id = $1 AND status = $2
                 RETURNING *
               ), letter AS (
                 INSERT INTO outbox (order_id, user_id, email, event, message)
                 SELECT id, user_id, email, $7, $8 FROM recorded
                 RETURNING id AS outbox_id, attempts
               )
               SELECT ${ORDER_COLUMNS}, outbox_id AS "outboxId", attempts FROM recorded CROSS JOIN letter`,
        values: [orderId, outcome.from, outcome.to, outcome.payment?.status ?? null, outcome.payment?.reason ?? null, outcome.refundedMinor ?? null, letter.event, letter.message],
      });
      const [row] = rows;
      if (row === undefined) return null;
      const { outboxId, attempts, ...order } = row;
      return {
        order,
        letter: { id: outboxId, orderId: order.id, userId: order.userId, email: order.email, event: letter.event, message: letter.message, attempts },
      };
    },

    /**
     * Leases up to `limit` orders whose payment or refund has been unsettled for `staleMs`: bumping
     * `updated_at` hides them from other replicas' loops for another `staleMs`, and SKIP LOCKED
     * keeps two replicas from ever taking the same row at the same moment.
     */
    async leaseUnsettledOrders(staleMs: number, limit: number): Promise<Order[]> {
      const { rows } = await db.query<Order>(
        `UPDATE orders SET updated_at = now()
          WHERE id IN (
            SELECT id FROM orders
             WHERE status IN ('pending', 'cancelling') AND updated_at < now() - make_interval(secs => $1 / 1000.0)
             ORDER BY updated_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
          RETURNING ${ORDER_COLUMNS}`,
        [staleMs, limit],
      );
      return rows;
    },
  };
}

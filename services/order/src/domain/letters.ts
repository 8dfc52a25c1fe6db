import type { PaymentStatus } from '@orderflow/billing-contract';
import { fromMinorUnits } from '@orderflow/money';
import { runInSpan } from '@orderflow/kit';
import { createOutboxStore, type OutboxLetter } from '../store/outbox.store.js';
import { createOrdersStore, type Order, type OrderStatus, type OutcomeStatus } from '../store/orders.store.js';
import type { OrderDeps } from './deps.js';

/** A letter's event is the status it announces: `order.processing`, `order.failed`, `order.cancelled`. */
export type LetterEvent = `order.${OutcomeStatus}`;

/** Billing's refusal codes in the words a letter uses. */
const REFUSAL_REASONS: Record<string, string> = {
  insufficient_funds: 'not enough money on the account',
};

/**
 * The letter's text: `#<order id>` and the outcome (`Processing`, `Failed`, `Cancelled`). The only
 * place it is written; tests and the Postman collection read it back through notification.
 */
export function composeLetter(order: Order, status: OutcomeStatus): string {
  const price = fromMinorUnits(order.priceMinor);
  switch (status) {
    case 'processing':
      return `Order #${order.id} Processing: ${price} paid.`;
    case 'failed':
      return `Order #${order.id} Failed: the payment of ${price} was refused (${REFUSAL_REASONS[order.paymentReason ?? ''] ?? 'declined by billing'}).`;
    case 'cancelled':
      return order.refundedMinor === null
        ? `Order #${order.id} Cancelled.`
        : `Order #${order.id} Cancelled: ${fromMinorUnits(order.refundedMinor)} refunded.`;
  }
}

export interface Outcome {
  from: OrderStatus;
  to: OutcomeStatus;
  /** Billing's decision, when the outcome is a payment's. */
  payment?: { status: PaymentStatus; reason: string | null };
  /** What billing gave back, when the outcome is a refunded cancellation. */
  refundedMinor?: number;
}

/**
 * The one way an outcome is recorded: the order's new status and its letter in one statement (one
 * transaction), then the letter delivered. Returns the order as recorded, or null when the order was
 * no longer in `outcome.from` (whoever recorded it first wrote and delivers the same letter).
 *
 * Deliver after the commit, never beside it: a letter announces what is recorded, so a failed or
 * lost commit (the order stays pending for the recovery loop, or a cancel loses its race with a pay)
 * can never have told the user something the order does not say. It costs the pay one exchange with
 * notification on its critical path after the commit instead of beside it (latency, not messages:
 * the requests and statements per paid order are the same).
 */
export async function recordOutcome(deps: OrderDeps, order: Order, outcome: Outcome, requestId?: string): Promise<Order | null> {
  const announced: Order = {
    ...order,
    status: outcome.to,
    paymentStatus: outcome.payment?.status ?? order.paymentStatus,
    paymentReason: outcome.payment === undefined ? order.paymentReason : outcome.payment.reason,
    refundedMinor: outcome.refundedMinor ?? order.refundedMinor,
  };
  const event: LetterEvent = `order.${outcome.to}`;
  const recorded = await createOrdersStore(deps.db).recordOutcome(order.id, outcome, { event, message: composeLetter(announced, outcome.to) });
  if (recorded === null) return null;
  await deliverLetter(deps, recorded.letter, requestId);
  return recorded.order;
}

/**
 * The one way a letter is delivered, by the request that recorded it and by the delivery loop alike:
 * send it to notification, then queue its outbox mark, which is written in a batch with the marks of
 * the next few milliseconds (store/delivered-marks.ts) so nobody waits for it. If notification is
 * down the letter stays in the outbox for the loop; if a mark is lost the loop delivers it again,
 * which notification stores once (its delivery id). Returns whether notification has it.
 */
export async function deliverLetter(deps: OrderDeps, letter: OutboxLetter, requestId?: string): Promise<boolean> {
  try {
    await deps.notification.deliverLetter(letter, requestId);
  } catch (error) {
    deps.metrics.letterDeliveryFailed();
    deps.log.warn({ err: error, outbox_id: letter.id, order_id: letter.orderId, attempts: letter.attempts }, 'letter left in the outbox for the delivery loop');
    return false;
  }
  deps.deliveredMarks.add(letter.id);
  return true;
}

/** One pass of the delivery loop: returns how many letters were delivered. */
export async function deliverDueLetters(deps: OrderDeps, limit = 50): Promise<number> {
  const letters = await createOutboxStore(deps.db).leaseDueLetters(limit);
  let delivered = 0;
  for (const letter of letters) {
    // A span of its own: a request's delivery is traced inside the request's span already.
    const isDelivered = await runInSpan('order.deliver-letter', { 'orderflow.outbox_id': letter.id, 'orderflow.order_id': letter.orderId }, () => deliverLetter(deps, letter));
    if (isDelivered) delivered++;
  }
  await deps.deliveredMarks.flush();
  return delivered;
}

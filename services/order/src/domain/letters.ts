import { fromMinorUnits } from '@orderflow/money';
import { runInSpan } from '@orderflow/kit';
import type { PoolClient } from '@orderflow/db';
import { createOutboxStore, type OutboxLetter } from '../store/outbox.store.js';
import type { Letter } from '../clients/notification.client.js';
import type { Order } from '../store/orders.store.js';
import type { OrderDeps } from './deps.js';

export type LetterEvent = 'order.processing' | 'order.failed' | 'order.cancelled';

/** Billing's refusal codes in the words a letter uses. */
const REFUSAL_REASONS: Record<string, string> = {
  insufficient_funds: 'not enough money on the account',
  account_not_found: 'no billing account',
};

/** The letter's text: `#<order id>` and the outcome (`Processing`, `Failed`, `Cancelled`). */
export function composeLetter(order: Order, event: LetterEvent): string {
  const price = fromMinorUnits(order.priceMinor);
  switch (event) {
    case 'order.processing':
      return `Order #${order.id} Processing: ${price} paid.`;
    case 'order.failed':
      return `Order #${order.id} Failed: the payment of ${price} was refused (${REFUSAL_REASONS[order.billingReason ?? ''] ?? 'declined by billing'}).`;
    case 'order.cancelled':
      return order.refundedMinor === null
        ? `Order #${order.id} Cancelled.`
        : `Order #${order.id} Cancelled: ${fromMinorUnits(order.refundedMinor)} refunded.`;
  }
}

/** Writes the letter into the outbox; call it in the transaction that records the outcome. */
export function addLetter(client: PoolClient, order: Order, event: LetterEvent): Promise<OutboxLetter> {
  return createOutboxStore(client).addLetter({
    orderId: order.id,
    userId: order.userId,
    email: order.email,
    event,
    message: composeLetter(order, event),
  });
}

/**
 * Delivers a letter while the client waits, so the client reads it at once; false when notification
 * is down (the letter stays in the outbox for the delivery loop).
 */
export async function deliverLetterNow(deps: OrderDeps, letter: Letter, requestId?: string): Promise<boolean> {
  try {
    await deps.notification.deliverLetter(letter, requestId);
    return true;
  } catch (error) {
    deps.metrics.letterDeliveryFailed();
    deps.log.warn({ err: error, order_id: letter.orderId, event: letter.event }, 'letter left in the outbox for the delivery loop');
    return false;
  }
}

/**
 * Marks an outbox row delivered without making the client wait, batched with the other marks of the
 * next few milliseconds (store/delivered-marks.ts): the letter is already stored, and if the mark is
 * lost the loop delivers it again, which notification stores once.
 */
export function markDeliveredLater(deps: OrderDeps, outboxId: number): void {
  deps.deliveredMarks.add(outboxId);
}

/** Delivers a letter just committed to the outbox, then marks it delivered. */
export async function sendLetterNow(deps: OrderDeps, letter: OutboxLetter, requestId?: string): Promise<void> {
  if (await deliverLetterNow(deps, letter, requestId)) markDeliveredLater(deps, letter.id);
}

/** One pass of the delivery loop: returns how many letters were delivered. */
export async function deliverDueLetters(deps: OrderDeps, limit = 50): Promise<number> {
  const outbox = createOutboxStore(deps.db);
  const letters = await outbox.leaseDueLetters(limit);
  let delivered = 0;
  for (const letter of letters) {
    try {
      await runInSpan('order.deliver-letter', { 'orderflow.outbox_id': letter.id, 'orderflow.order_id': letter.orderId }, async () => {
        await deps.notification.deliverLetter(letter);
      });
      deps.deliveredMarks.add(letter.id);
      delivered++;
    } catch (error) {
      deps.metrics.letterDeliveryFailed();
      deps.log.warn({ err: error, outbox_id: letter.id, attempts: letter.attempts }, 'letter delivery failed; will retry');
    }
  }
  await deps.deliveredMarks.flush();
  return delivered;
}

import { fromMinorUnits } from '@orderflow/money';
import { runInSpan } from '@orderflow/kit';
import type { PoolClient } from '@orderflow/db';
import { createOutboxStore, type OutboxLetter } from '../store/outbox.store.js';
import type { Order } from '../store/orders.store.js';
import type { OrderDeps } from './deps.js';

export type LetterEvent = 'order.processing' | 'order.failed' | 'order.cancelled';

function compose(order: Order, event: LetterEvent): string {
  const price = fromMinorUnits(order.priceMinor);
  switch (event) {
    case 'order.processing':
      return `Order #${order.id} Processing: ${price} paid.`;
    case 'order.failed':
      return `Order #${order.id} Failed: the payment of ${price} was refused (${order.billingReason ?? 'declined'}).`;
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
    message: compose(order, event),
  });
}

/**
 * Delivers a just-written letter before the response returns, so the client reads it at once. If
 * notification is down the letter stays in the outbox and the delivery loop retries it.
 */
export async function sendLetterNow(deps: OrderDeps, letter: OutboxLetter, requestId?: string): Promise<void> {
  try {
    await deps.notification.deliverLetter(letter, requestId);
    if (await createOutboxStore(deps.db).markDelivered(letter.id)) deps.metrics.letterDelivered();
  } catch (error) {
    deps.metrics.letterDeliveryFailed();
    deps.log.warn({ err: error, outbox_id: letter.id }, 'letter left in the outbox for the delivery loop');
  }
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
        if (await outbox.markDelivered(letter.id)) deps.metrics.letterDelivered();
      });
      delivered++;
    } catch (error) {
      deps.metrics.letterDeliveryFailed();
      deps.log.warn({ err: error, outbox_id: letter.id, attempts: letter.attempts }, 'letter delivery failed; will retry');
    }
  }
  return delivered;
}

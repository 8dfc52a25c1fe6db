import { conflict } from '@orderflow/kit';
import { createOrdersStore, type Order } from '../store/orders.store.js';
import { recordOutcome } from './letters.js';
import { orderNotFound } from './pay-order.js';
import type { OrderDeps } from './deps.js';

/**
 * Cancels an order. A new one is simply cancelled. A paid one (processing) is compensated: it is
 * marked cancelling first, so the intent survives a crash, then billing refunds it (idempotent on the
 * order id), then the cancellation and its letter are recorded together. Failed and cancelled orders
 * have nothing to cancel: 409.
 */
export async function cancelOrder(deps: OrderDeps, orderId: number, userId: number, requestId?: string): Promise<Order> {
  const orders = createOrdersStore(deps.db);
  const existing = await orders.findOrderOfUser(orderId, userId);
  if (existing === null) throw orderNotFound(orderId);

  switch (existing.status) {
    case 'new': {
      const cancelled = await recordCancellation(deps, existing, 'new', undefined, requestId);
      // Lost a race with a pay request: answer from the order's new state.
      return cancelled ?? cancelOrder(deps, orderId, userId, requestId);
    }
    case 'processing': {
      const cancelling = await orders.transition(orderId, 'processing', 'cancelling', { ownerId: userId });
      if (cancelling === null) return cancelOrder(deps, orderId, userId, requestId);
      return refundAndCancel(deps, cancelling, requestId);
    }
    case 'cancelling':
      return refundAndCancel(deps, existing, requestId);
    case 'pending':
      throw conflict('order.payment_in_progress', `Order ${orderId} is being paid; cancel it once the payment is settled.`);
    case 'failed':
    case 'cancelled':
      throw conflict('order.not_cancellable', `Order ${orderId} is ${existing.status} and cannot be cancelled.`);
  }
}

/** Refunds a cancelling order through billing and records the cancellation; also used by the recovery loop. */
export async function refundAndCancel(deps: OrderDeps, order: Order, requestId?: string): Promise<Order> {
  const refundedMinor = await deps.billing.refundOrder(order.id, order.userId, requestId);
  const cancelled = await recordCancellation(deps, order, 'cancelling', refundedMinor, requestId);
  return cancelled ?? (await createOrdersStore(deps.db).findOrderOfUser(order.id, order.userId)) ?? order;
}

async function recordCancellation(deps: OrderDeps, order: Order, from: 'new' | 'cancelling', refundedMinor: number | undefined, requestId?: string): Promise<Order | null> {
  const cancelled = await recordOutcome(deps, order, { from, to: 'cancelled', refundedMinor }, requestId);
  if (cancelled !== null && refundedMinor !== undefined) deps.metrics.orderRefunded();
  return cancelled;
}

import { conflict, notFound } from '@orderflow/kit';
import { createOrdersStore, type Order } from '../store/orders.store.js';
import type { Payment } from '@orderflow/billing-contract';
import { recordOutcome } from './letters.js';
import type { OrderDeps } from './deps.js';

export const orderNotFound = (orderId: number) => notFound('order.not_found', `Order ${orderId} does not exist.`);

/**
 * Pays an order, safely under retries, double clicks and crashes:
 * 1. claim it (new → pending) so the intent is durable before any money moves;
 * 2. ask billing to charge, with the order id as the idempotency key;
 * 3. record billing's decision and its letter in one transaction (pending → processing | failed),
 *    then deliver the letter (recordOutcome).
 * A request that finds the order pending joins the payment in flight: billing answers it the same
 * decision and only one of them records it. A request that finds it settled returns the outcome.
 * If billing cannot decide yet, the order stays pending and a retry, or the recovery loop, completes
 * it with the same key: billing unreachable (503), or the buyer's account not open yet (409
 * `billing.account_not_found`, see clients/billing.client.ts).
 */
export async function payOrder(deps: OrderDeps, orderId: number, userId: number, email: string, requestId?: string): Promise<Order> {
  const orders = createOrdersStore(deps.db);
  let order = await orders.transition(orderId, 'new', 'pending', { ownerId: userId, email });
  if (order === null) {
    const existing = await orders.findOrderOfUser(orderId, userId);
    if (existing === null) throw orderNotFound(orderId);
    if (existing.status === 'processing' || existing.status === 'failed') return existing;
    if (existing.status !== 'pending') throw conflict('order.not_payable', `Order ${orderId} is ${existing.status} and cannot be paid.`);
    order = existing;
  }

  const decision = await deps.billing.payForOrder(order.id, order.userId, order.priceMinor, requestId);
  return settlePayment(deps, order, decision, requestId);
}

/** Records billing's decision on a pending order, once, with its letter; returns the order as it ends. */
export async function settlePayment(deps: OrderDeps, order: Order, decision: Payment, requestId?: string): Promise<Order> {
  const settled = await recordOutcome(
    deps,
    order,
    { from: 'pending', to: decision.status === 'succeeded' ? 'processing' : 'failed', payment: { status: decision.status, reason: decision.reason } },
    requestId,
  );
  if (settled === null) {
    // A racing request or the recovery loop recorded it first (and wrote and delivers the letter).
    return (await createOrdersStore(deps.db).findOrderOfUser(order.id, order.userId)) ?? order;
  }
  deps.metrics.paymentSettled(decision.status);
  return settled;
}

import { runInSpan } from '@orderflow/kit';
import { createOrdersStore } from '../store/orders.store.js';
import { settlePayment } from './pay-order.js';
import { refundAndCancel } from './cancel-order.js';
import type { OrderDeps } from './deps.js';

/**
 * One pass of the recovery loop. An order left pending (billing timed out, or this service died
 * mid-payment) is asked of billing again with the same idempotency key, the order id: a charge that
 * happened is found, not repeated, and its outcome recorded. An order left cancelling gets its
 * refund finished the same way. Safe with any number of replicas: each order is leased by one.
 */
export async function recoverUnsettledOrders(deps: OrderDeps, staleMs: number, limit = 20): Promise<number> {
  const orders = await createOrdersStore(deps.db).leaseUnsettledOrders(staleMs, limit);
  let recovered = 0;
  for (const order of orders) {
    const action = order.status === 'pending' ? 'payment' : 'refund';
    try {
      await runInSpan(`order.recover-${action}`, { 'orderflow.order_id': order.id }, async () => {
        if (action === 'payment') {
          const decision = await deps.billing.payForOrder(order.id, order.userId, order.priceMinor);
          await settlePayment(deps, order, decision);
        } else {
          await refundAndCancel(deps, order);
        }
      });
      deps.metrics.orderRecovered(action);
      recovered++;
      deps.log.info({ order_id: order.id, status: order.status }, 'recovered an unsettled order');
    } catch (error) {
      deps.log.warn({ err: error, order_id: order.id }, 'could not recover the order yet; will retry');
    }
  }
  return recovered;
}

import { hasSqlState, UNIQUE_VIOLATION, type Pool } from '@orderflow/db';
import { conflict } from '@orderflow/kit';
import { createPaymentsStore } from '../store/payments.store.js';
import type { BillingMetrics } from '../metrics.js';

/**
 * Gives back what an order paid. Idempotent on the order id: a repeat returns the same refund and
 * credits nothing more.
 */
export async function refundOrder(db: Pool, metrics: BillingMetrics, orderId: number, userId: number): Promise<{ amountMinor: number }> {
  const payments = createPaymentsStore(db);
  for (let attempt = 0; ; attempt++) {
    try {
      const justRefunded = await payments.refundPayment(orderId, userId);
      if (justRefunded !== null) metrics.paymentRefunded();
      const refunded = justRefunded ?? (await payments.findRefundAmount(orderId, userId));
      if (refunded === null) throw conflict('billing.payment_not_found', `Order ${orderId} has no payment to refund.`);
      return { amountMinor: refunded };
    } catch (error) {
      // A concurrent refund committed first; loop to read it.
      if (!hasSqlState(error, UNIQUE_VIOLATION) || attempt >= 2) throw error;
    }
  }
}

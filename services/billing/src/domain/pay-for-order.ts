import { FOREIGN_KEY_VIOLATION, hasSqlState, UNIQUE_VIOLATION, type Pool } from '@orderflow/db';
import { unprocessable } from '@orderflow/kit';
import type { Payment } from '@orderflow/billing-contract';
import { createPaymentsStore } from '../store/payments.store.js';
import { accountNotFound } from './change-balance.js';
import type { BillingMetrics } from '../metrics.js';

/**
 * Takes an order's price from the buyer's account, or declines for lack of money. The order id is the
 * idempotency key: the first decision is final and every retry, however concurrent, gets it back
 * without a second debit. The first attempt is the common case, so it goes straight to the decision;
 * a repeat fails whole on the decision's primary key (its debit rolled back) and reads the first one.
 */
export async function payForOrder(db: Pool, metrics: BillingMetrics, orderId: number, userId: number, amountMinor: number): Promise<Payment> {
  const payments = createPaymentsStore(db);
  for (let attempt = 0; ; attempt++) {
    try {
      const decision = await payments.decidePayment(orderId, userId, amountMinor);
      metrics.paymentDecided(decision.status);
      return decision;
    } catch (error) {
      if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw accountNotFound(userId);
      if (!hasSqlState(error, UNIQUE_VIOLATION) || attempt >= 2) throw error;
    }
    const existing = await payments.findDecision(orderId);
    if (existing !== null) {
      if (existing.user_id !== userId || existing.amount_minor !== amountMinor) {
        throw unprocessable('billing.payment_mismatch', `Order ${orderId} was already charged for another user or amount.`);
      }
      return existing;
    }
  }
}

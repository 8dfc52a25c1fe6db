import type { PeerClient } from '@orderflow/http-client';
import { Problem } from '@orderflow/kit';

export interface PaymentDecision {
  status: 'succeeded' | 'declined';
  reason: string | null;
}

export interface BillingClient {
  /** Charges the order's price; idempotent on the order id, so safe to retry and to repeat. */
  payForOrder(orderId: number, userId: number, amountMinor: number, requestId?: string): Promise<PaymentDecision>;
  /** Refunds the order's payment; idempotent on the order id. Returns the refunded amount. */
  refundOrder(orderId: number, userId: number, requestId?: string): Promise<number>;
}

function unexpected(status: number, action: string): Problem {
  return new Problem({ status: 502, code: 'billing.unexpected_response', title: 'Bad gateway', detail: `billing answered ${status} to ${action}.` });
}

export function createBillingClient(peer: PeerClient): BillingClient {
  return {
    async payForOrder(orderId, userId, amountMinor, requestId) {
      const response = await peer.request<PaymentDecision & { code?: string }>({
        method: 'POST',
        path: '/internal/payments',
        body: { order_id: orderId, user_id: userId, amount_minor: amountMinor },
        idempotent: true,
        requestId,
      });
      if (response.status === 200) return { status: response.body.status, reason: response.body.reason };
      // No account means nothing to charge: the order fails like any refused payment.
      if (response.status === 404) return { status: 'declined', reason: 'account_not_found' };
      throw unexpected(response.status, `the payment of order ${orderId}`);
    },

    async refundOrder(orderId, userId, requestId) {
      const response = await peer.request<{ amount_minor: number }>({
        method: 'POST',
        path: '/internal/refunds',
        body: { order_id: orderId, user_id: userId },
        idempotent: true,
        requestId,
      });
      if (response.status === 200) return response.body.amount_minor;
      throw unexpected(response.status, `the refund of order ${orderId}`);
    },
  };
}

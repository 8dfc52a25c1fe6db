import type { Payment, PaymentRequest, Refund, RefundRequest } from '@orderflow/billing-contract';
import type { PeerClient } from '@orderflow/http-client';
import { conflict, Problem } from '@orderflow/kit';

export interface BillingClient {
  /** Charges the order's price; idempotent on the order id, so safe to retry and to repeat. */
  payForOrder(orderId: number, userId: number, amountMinor: number, requestId?: string): Promise<Payment>;
  /** Refunds the order's payment; idempotent on the order id. Returns the refunded amount. */
  refundOrder(orderId: number, userId: number, requestId?: string): Promise<number>;
}

function unexpected(status: number, action: string): Problem {
  return new Problem({ status: 502, code: 'billing.unexpected_response', title: 'Bad gateway', detail: `billing answered ${status} to ${action}.` });
}

export function createBillingClient(peer: PeerClient): BillingClient {
  return {
    async payForOrder(orderId, userId, amountMinor, requestId) {
      const body: PaymentRequest = { order_id: orderId, user_id: userId, amount_minor: amountMinor };
      const response = await peer.request<Payment>({
        method: 'POST',
        path: '/internal/payments',
        body,
        idempotent: true,
        requestId,
      });
      if (response.status === 200) return response.body;
      // Billing decided nothing and charged nothing: the buyer's account is not open yet (auth opens
      // it at registration, and a retry or a later login finishes that). Not a decline, so the order
      // is not failed: it stays pending and a retry or the recovery loop pays it once the account exists.
      if (response.status === 404) {
        throw conflict('billing.account_not_found', `User ${userId} has no billing account yet; order ${orderId} is paid once it is open.`);
      }
      throw unexpected(response.status, `the payment of order ${orderId}`);
    },

    async refundOrder(orderId, userId, requestId) {
      const body: RefundRequest = { order_id: orderId, user_id: userId };
      const response = await peer.request<Refund>({
        method: 'POST',
        path: '/internal/refunds',
        body,
        idempotent: true,
        requestId,
      });
      if (response.status === 200) return response.body.amount_minor;
      throw unexpected(response.status, `the refund of order ${orderId}`);
    },
  };
}

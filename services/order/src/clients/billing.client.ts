import type { PeerClient } from '@orderflow/http-client';
import { conflict, Problem } from '@orderflow/kit';
import type { PaymentStatus } from '../store/orders.store.js';

/** Billing's final decision on an order's payment: the same name and shape as billing's own. */
export interface PaymentDecision {
  orderId: number;
  userId: number;
  amountMinor: number;
  status: PaymentStatus;
  /** Why it was declined (`insufficient_funds`); null when it succeeded. */
  reason: string | null;
}

interface PaymentDecisionJson {
  order_id: number;
  user_id: number;
  amount_minor: number;
  status: PaymentStatus;
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
      const response = await peer.request<PaymentDecisionJson>({
        method: 'POST',
        path: '/internal/payments',
        body: { order_id: orderId, user_id: userId, amount_minor: amountMinor },
        idempotent: true,
        requestId,
      });
      if (response.status === 200) {
        const body = response.body;
        return { orderId: body.order_id, userId: body.user_id, amountMinor: body.amount_minor, status: body.status, reason: body.reason };
      }
      // Billing decided nothing and charged nothing: the buyer's account is not open yet (auth opens
      // it at registration, and a retry or a later login finishes that). Not a decline, so the order
      // is not failed: it stays pending and a retry or the recovery loop pays it once the account exists.
      if (response.status === 404) {
        throw conflict('billing.account_not_found', `User ${userId} has no billing account yet; order ${orderId} is paid once it is open.`);
      }
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

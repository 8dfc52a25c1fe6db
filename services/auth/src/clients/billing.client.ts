import type { PeerClient } from '@orderflow/http-client';
import { Problem } from '@orderflow/kit';

export interface BillingClient {
  /** Opens the user's account; idempotent, so it is safe to retry. */
  openAccount(userId: number, requestId: string): Promise<void>;
}

export function createBillingClient(peer: PeerClient): BillingClient {
  return {
    async openAccount(userId, requestId) {
      const response = await peer.request({ method: 'PUT', path: `/internal/accounts/${userId}`, idempotent: true, requestId });
      if (response.status !== 200) {
        throw new Problem({ status: 502, code: 'billing.unexpected_response', title: 'Bad gateway', detail: `billing answered ${response.status} when opening an account.` });
      }
    },
  };
}

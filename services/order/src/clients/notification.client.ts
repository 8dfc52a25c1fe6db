import type { PeerClient } from '@orderflow/http-client';
import type { OutboxLetter } from '../store/outbox.store.js';

export type Letter = Omit<OutboxLetter, 'id' | 'attempts'>;

export interface NotificationClient {
  /**
   * Delivers a letter. Its delivery id is the order and the outcome (`order-12-order.processing`):
   * an order has at most one letter per outcome, so every delivery of it, from the pay request, a
   * racing request or the delivery loop, is stored once.
   */
  deliverLetter(letter: Letter, requestId?: string): Promise<void>;
}

export function createNotificationClient(peer: PeerClient): NotificationClient {
  return {
    async deliverLetter(letter, requestId) {
      const response = await peer.request({
        method: 'POST',
        path: '/internal/letters',
        body: {
          delivery_id: `order-${letter.orderId}-${letter.event}`,
          user_id: letter.userId,
          order_id: letter.orderId,
          email: letter.email,
          event: letter.event,
          message: letter.message,
        },
        idempotent: true,
        requestId,
      });
      if (response.status !== 200 && response.status !== 201) throw new Error(`notification answered ${response.status}`);
    },
  };
}

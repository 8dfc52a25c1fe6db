import type { PeerClient } from '@orderflow/http-client';
import type { OutboxLetter } from '../store/outbox.store.js';

export interface NotificationClient {
  /** Delivers a letter; notification stores it once per delivery id, so redelivery is harmless. */
  deliverLetter(letter: OutboxLetter, requestId?: string): Promise<void>;
}

export function createNotificationClient(peer: PeerClient): NotificationClient {
  return {
    async deliverLetter(letter, requestId) {
      const response = await peer.request({
        method: 'POST',
        path: '/internal/letters',
        body: {
          delivery_id: `order-outbox-${letter.id}`,
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

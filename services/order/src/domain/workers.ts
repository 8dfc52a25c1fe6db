import { startBackgroundLoop, type BackgroundLoop } from '@orderflow/kit';
import { deliverDueLetters } from './letters.js';
import { recoverUnsettledOrders } from './recover-unsettled-orders.js';
import type { OrderDeps } from './deps.js';

export type Workers = BackgroundLoop;

/**
 * The background loops of the order process: deliver letters left in the outbox, and finish payments
 * and refunds left unsettled (one pass at a time, going on after a failed one: startBackgroundLoop).
 */
export function startWorkers(deps: OrderDeps, options: { intervalMs: number; recoverAfterMs: number }): Workers {
  return startBackgroundLoop(
    async () => {
      await deliverDueLetters(deps);
      await recoverUnsettledOrders(deps, options.recoverAfterMs);
    },
    { intervalMs: options.intervalMs, onError: (error) => deps.log.warn({ err: error }, 'background pass failed') },
  );
}

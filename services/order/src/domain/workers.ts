import { deliverDueLetters } from './letters.js';
import { recoverUnsettledOrders } from './recover-unsettled-orders.js';
import type { OrderDeps } from './deps.js';

export interface Workers {
  stop(): Promise<void>;
}

/**
 * The background loops of the order process: deliver letters left in the outbox, and finish payments
 * and refunds left unsettled. Each pass runs to completion before the next is scheduled, so a slow
 * pass never overlaps itself.
 */
export function startWorkers(deps: OrderDeps, options: { intervalMs: number; recoverAfterMs: number }): Workers {
  let isStopping = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const pass = async () => {
    try {
      await deliverDueLetters(deps);
      await recoverUnsettledOrders(deps, options.recoverAfterMs);
    } catch (error) {
      deps.log.warn({ err: error }, 'background pass failed');
    }
  };
  const schedule = () => {
    if (isStopping) return;
    timer = setTimeout(() => {
      current = pass().finally(schedule);
    }, options.intervalMs);
  };
  schedule();

  return {
    async stop() {
      isStopping = true;
      clearTimeout(timer);
      await current;
    },
  };
}

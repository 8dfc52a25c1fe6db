import { Counter, Gauge, type Registry } from 'prom-client';
import type { Queryable } from '@orderflow/db';
import { createOutboxStore } from './store/outbox.store.js';
import { createOrdersStore } from './store/orders.store.js';
import type { OrderMetrics } from './domain/deps.js';

/**
 * The business counters of the order flow, on the registry the app serves at /metrics. Each is
 * counted where the state change is recorded (the transition that won), so retries and racing
 * requests count once. The gauges are read from the database at scrape time: every replica reports
 * the same database-wide value, so dashboards take their max, not their sum.
 */
export function createOrderMetrics(registry: Registry, db: Queryable): OrderMetrics {
  const registers = [registry];
  const created = new Counter({ name: 'orderflow_orders_created_total', help: 'Orders created.', registers });
  const payments = new Counter({ name: 'orderflow_payments_total', help: "Payments settled on orders, by billing's decision (succeeded or declined).", labelNames: ['status'], registers });
  const refunds = new Counter({ name: 'orderflow_refunds_total', help: 'Paid orders cancelled with their payment refunded.', registers });
  const delivered = new Counter({ name: 'orderflow_letters_delivered_total', help: 'Letters delivered to notification and marked delivered in the outbox.', registers });
  const failures = new Counter({ name: 'orderflow_letter_delivery_failures_total', help: 'Letter deliveries that failed; the letter stays in the outbox and is retried.', registers });
  const recoveries = new Counter({ name: 'orderflow_recovery_actions_total', help: 'Unsettled orders finished by the recovery loop, by action (payment or refund).', labelNames: ['action'], registers });
  new Gauge({
    name: 'orderflow_outbox_backlog',
    help: 'Letters in the outbox not delivered yet (database-wide).',
    registers,
    async collect() {
      this.set(await createOutboxStore(db).countUndelivered());
    },
  });
  new Gauge({
    name: 'orderflow_orders_pending',
    help: 'Orders whose payment billing has not answered yet (database-wide).',
    registers,
    async collect() {
      this.set(await createOrdersStore(db).countPending());
    },
  });

  // Labelled series start at 0, so the first payment of a kind shows as an increase, not a new series.
  for (const status of ['succeeded', 'declined']) payments.labels(status).inc(0);
  for (const action of ['payment', 'refund']) recoveries.labels(action).inc(0);

  return {
    orderCreated: () => created.inc(),
    paymentSettled: (status) => payments.labels(status).inc(),
    orderRefunded: () => refunds.inc(),
    lettersDelivered: (count) => delivered.inc(count),
    letterDeliveryFailed: () => failures.inc(),
    orderRecovered: (action) => recoveries.labels(action).inc(),
  };
}

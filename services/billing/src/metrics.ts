import { Counter, type Registry } from 'prom-client';
import type { PaymentStatus } from '@orderflow/billing-contract';

/** What billing counts for the dashboards; each call is one decision recorded, never a replay. */
export interface BillingMetrics {
  paymentDecided(status: PaymentStatus): void;
  paymentRefunded(): void;
}

export function createBillingMetrics(registry: Registry): BillingMetrics {
  const registers = [registry];
  const payments = new Counter({ name: 'orderflow_billing_payments_total', help: 'Order payments decided by billing, by status (succeeded or declined).', labelNames: ['status'], registers });
  const refunds = new Counter({ name: 'orderflow_billing_refunds_total', help: 'Order payments refunded by billing.', registers });
  // Labelled series start at 0, so the first decision of a kind shows as an increase, not a new series.
  for (const status of ['succeeded', 'declined']) payments.labels(status).inc(0);
  return {
    paymentDecided: (status) => payments.labels(status).inc(),
    paymentRefunded: () => refunds.inc(),
  };
}

import type { Pool } from '@orderflow/db';
import type { BillingClient } from '../clients/billing.client.js';
import type { NotificationClient } from '../clients/notification.client.js';
import type { DeliveredMarks } from '../store/delivered-marks.js';
import type { PaymentStatus } from '@orderflow/billing-contract';

export interface Logger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

/** What the flow counts for the dashboards (see metrics.ts); each call is one recorded change. */
export interface OrderMetrics {
  orderCreated(): void;
  paymentSettled(status: PaymentStatus): void;
  orderRefunded(): void;
  lettersDelivered(count: number): void;
  letterDeliveryFailed(): void;
  orderRecovered(action: 'payment' | 'refund'): void;
}

export interface OrderDeps {
  db: Pool;
  billing: BillingClient;
  notification: NotificationClient;
  metrics: OrderMetrics;
  /** Delivered letters' outbox marks, written in batches. */
  deliveredMarks: DeliveredMarks;
  log: Logger;
}

import type { Pool } from '@orderflow/db';
import type { BillingClient } from '../clients/billing.client.js';
import type { NotificationClient } from '../clients/notification.client.js';

export interface Logger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

export interface OrderDeps {
  db: Pool;
  billing: BillingClient;
  notification: NotificationClient;
  log: Logger;
}

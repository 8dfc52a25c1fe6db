import type { Pool } from '@orderflow/db';
import type { BillingClient } from '../clients/billing.client.js';
import type { ThrottlePolicy } from '../store/login-failures.store.js';

export interface SessionPolicy {
  idleSeconds: number;
  absoluteSeconds: number;
}

export interface AuthDeps {
  db: Pool;
  billing: BillingClient;
  /** Injected so tests can move time past idle and absolute session limits. */
  now: () => Date;
  sessions: SessionPolicy;
  throttle: ThrottlePolicy;
}

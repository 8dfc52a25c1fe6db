import { createServiceApp, type ServiceApp } from '@orderflow/kit';
import { isDatabaseReachable, type Pool } from '@orderflow/db';
import { registerBillingRoutes } from './routes/billing.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';

export interface BillingAppOptions {
  db: Pool;
  internalToken: string;
  logLevel?: string | false;
}

export function buildBillingApp(options: BillingAppOptions): ServiceApp {
  const app = createServiceApp({
    name: 'billing',
    logLevel: options.logLevel,
    internalToken: options.internalToken,
    isReady: () => isDatabaseReachable(options.db),
  });
  registerBillingRoutes(app, options.db);
  registerInternalRoutes(app, options.db);
  return app;
}

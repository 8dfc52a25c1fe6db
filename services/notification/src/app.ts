import { createServiceApp, type ServiceApp, type ServiceOptions } from '@orderflow/kit';
import { isDatabaseReachable, type Pool } from '@orderflow/db';
import { registerLetterRoutes } from './routes/letters.routes.js';

export interface NotificationAppOptions extends ServiceOptions {
  db: Pool;
}

export function buildNotificationApp({ db, ...service }: NotificationAppOptions): ServiceApp {
  const app = createServiceApp({ ...service, name: 'notification', isReady: () => isDatabaseReachable(db) });
  // Inside a plugin, so they are declared once @fastify/swagger listens for routes and are in /docs.
  app.register(async (scope) => registerLetterRoutes(scope as ServiceApp, db));
  return app;
}

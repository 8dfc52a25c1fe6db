import { fileURLToPath } from 'node:url';
import { createPool, migrate, warmPool } from '@orderflow/db';
import { createMetricsRegistry, exitOnStartupError, readIdentityKey, runService } from '@orderflow/kit';
import { buildNotificationApp } from './app.js';
import { readNotificationConfig } from './config.js';

exitOnStartupError('notification');
const config = readNotificationConfig();
if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, fileURLToPath(new URL('../../migrations', import.meta.url)));

const db = createPool(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'notification' });
await warmPool(db, config.DB_POOL_SIZE);
const app = buildNotificationApp({
  identityPublicKey: readIdentityKey('public', config.IDENTITY_PUBLIC_KEY),
  db,
  internalToken: config.INTERNAL_TOKEN,
  logLevel: config.LOG_LEVEL,
  metricsRegistry: createMetricsRegistry({ app: 'notification', processMetrics: true }),
});

await runService(app, { host: config.HOST, port: config.PORT, socketPath: config.SOCKET_PATH, onClose: () => db.end() });

import { fileURLToPath } from 'node:url';
import { createPool, migrate, warmPool } from '@orderflow/db';
import { createMetricsRegistry, exitOnStartupError, readIdentityKey, runService } from '@orderflow/kit';
import { startKeyPurge } from '@orderflow/idempotency';
import { buildBillingApp } from './app.js';
import { readBillingConfig } from './config.js';

exitOnStartupError('billing');
const config = readBillingConfig();
if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, fileURLToPath(new URL('../../migrations', import.meta.url)));

const db = createPool(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'billing' });
await warmPool(db, config.DB_POOL_SIZE);
const app = buildBillingApp({
  identityPublicKey: readIdentityKey('public', config.IDENTITY_PUBLIC_KEY),
  db,
  internalToken: config.INTERNAL_TOKEN,
  logLevel: config.LOG_LEVEL,
  metricsRegistry: createMetricsRegistry({ app: 'billing', processMetrics: true }),
});

const stopKeyPurge = startKeyPurge(db, (err) => app.log.warn({ err }, 'idempotency key purge failed'));

await runService(app, {
  host: config.HOST,
  port: config.PORT,
  socketPath: config.SOCKET_PATH,
  onClose: async () => {
    stopKeyPurge();
    await db.end();
  },
});

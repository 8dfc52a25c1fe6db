import { fileURLToPath } from 'node:url';
import { createPool, migrate, warmPool } from '@orderflow/db';
import { createPeerClient } from '@orderflow/http-client';
import { createMetricsRegistry, exitOnStartupError, readIdentityKey, runService } from '@orderflow/kit';
import { startKeyPurge } from '@orderflow/idempotency';
import { buildOrderApp } from './app.js';
import { readOrderConfig } from './config.js';
import { createBillingClient } from './clients/billing.client.js';
import { createNotificationClient } from './clients/notification.client.js';
import { startWorkers } from './domain/workers.js';
import { createDeliveredMarks } from './store/delivered-marks.js';
import { createOrderMetrics } from './metrics.js';

exitOnStartupError('order');
const config = readOrderConfig();
if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, fileURLToPath(new URL('../../migrations', import.meta.url)));

const db = createPool(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'order' });
await warmPool(db, config.DB_POOL_SIZE);
const peer = { internalToken: config.INTERNAL_TOKEN, timeoutMs: config.PEER_TIMEOUT_MS };
const billingPeer = createPeerClient({ name: 'billing', baseUrl: config.BILLING_URL, ...peer });
const notificationPeer = createPeerClient({ name: 'notification', baseUrl: config.NOTIFICATION_URL, ...peer });
const metricsRegistry = createMetricsRegistry({ app: 'order', processMetrics: true });
const metrics = createOrderMetrics(metricsRegistry, db);
const deliveredMarks = createDeliveredMarks(db, {
  delayMs: config.DELIVERED_MARK_DELAY_MS,
  onMarked: metrics.lettersDelivered,
  // Only called after a request or a loop pass, so `app` exists by then.
  onError: (err, outboxIds) => app.log.warn({ err, outbox_ids: outboxIds }, 'delivered letters not marked; the loop will deliver them again'),
});
const deps = {
  db,
  billing: createBillingClient(billingPeer),
  notification: createNotificationClient(notificationPeer),
  metrics,
  deliveredMarks,
};

const app = buildOrderApp({ deps, metricsRegistry, logLevel: config.LOG_LEVEL, identityPublicKey: readIdentityKey('public', config.IDENTITY_PUBLIC_KEY) });
const stopKeyPurge = startKeyPurge(db, (err) => app.log.warn({ err }, 'idempotency key purge failed'));
const workers = startWorkers({ ...deps, log: app.log }, { intervalMs: config.WORKER_INTERVAL_MS, recoverAfterMs: config.RECOVERY_AFTER_MS });

await runService(app, {
  host: config.HOST,
  port: config.PORT,
  socketPath: config.SOCKET_PATH,
  onClose: async () => {
    stopKeyPurge();
    await workers.stop();
    await deliveredMarks.flush();
    await Promise.all([billingPeer.close(), notificationPeer.close()]);
    await db.end();
  },
});

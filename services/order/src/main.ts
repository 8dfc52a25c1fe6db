import { createPeerClient } from '@orderflow/http-client';
import { openDatabase } from '@orderflow/db';
import { exitOnStartupError, runService, serviceOptionsOf } from '@orderflow/kit';
import { purgeKeysWhileRunning } from '@orderflow/idempotency';
import { buildOrderApp } from './app.js';
import { readOrderConfig } from './config.js';
import { createBillingClient } from './clients/billing.client.js';
import { createNotificationClient } from './clients/notification.client.js';
import { startWorkers } from './domain/workers.js';
import { createDeliveredMarks } from './store/delivered-marks.js';
import { createOrderMetrics } from './metrics.js';
import { MIGRATIONS } from './migrations.js';

exitOnStartupError('order');
const config = readOrderConfig();
const db = await openDatabase('order', config, MIGRATIONS);
const service = serviceOptionsOf('order', config);
const peer = { internalToken: config.INTERNAL_TOKEN, timeoutMs: config.PEER_TIMEOUT_MS };
const billingPeer = createPeerClient({ name: 'billing', baseUrl: config.BILLING_URL, ...peer });
const notificationPeer = createPeerClient({ name: 'notification', baseUrl: config.NOTIFICATION_URL, ...peer });
const metrics = createOrderMetrics(service.metricsRegistry, db);
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

const app = buildOrderApp({ ...service, deps });
purgeKeysWhileRunning(app, db);
const workers = startWorkers({ ...deps, log: app.log }, { intervalMs: config.WORKER_INTERVAL_MS, recoverAfterMs: config.RECOVERY_AFTER_MS });

await runService(app, {
  host: config.HOST,
  port: config.PORT,
  socketPath: config.SOCKET_PATH,
  onClose: async () => {
    await workers.stop();
    await deliveredMarks.flush();
    await Promise.all([billingPeer.close(), notificationPeer.close()]);
    await db.end();
  },
});

import { createTestDatabase, type TestDatabase } from '@orderflow/db/testing';
import { createTestIdentities, startStubPeer, type RecordedCall, type StubPeer } from '@orderflow/kit/testing';
import { createPeerClient, type PeerClient } from '@orderflow/http-client';
import { createMetricsRegistry, type ServiceApp } from '@orderflow/kit';
import { buildOrderApp } from '../src/app.js';
import { MIGRATIONS } from '../src/migrations.js';
import { createOrderMetrics } from '../src/metrics.js';
import { createDeliveredMarks } from '../src/store/delivered-marks.js';
import { createBillingClient } from '../src/clients/billing.client.js';
import { createNotificationClient } from '../src/clients/notification.client.js';
import type { OrderDeps } from '../src/domain/deps.js';


/**
 * Billing stubbed at the HTTP boundary with the contract the real one keeps: one decision per order
 * id, a balance per user that never goes below zero, one refund per paid order.
 */
export function createFakeBilling(startingBalanceMinor: number) {
  const balances = new Map<number, number>();
  const decisions = new Map<number, { status: 'succeeded' | 'declined'; reason: string | null; amount: number }>();
  const refunds = new Map<number, number>();
  const handle = (call: RecordedCall) => {
    const body = call.body as { order_id: number; user_id: number; amount_minor: number };
    if (call.url === '/internal/payments') {
      let decision = decisions.get(body.order_id);
      if (decision === undefined) {
        const balance = balances.get(body.user_id) ?? startingBalanceMinor;
        const isPaid = balance >= body.amount_minor;
        if (isPaid) balances.set(body.user_id, balance - body.amount_minor);
        decision = { status: isPaid ? 'succeeded' : 'declined', reason: isPaid ? null : 'insufficient_funds', amount: body.amount_minor };
        decisions.set(body.order_id, decision);
      }
      return { status: 200, body: { order_id: body.order_id, user_id: body.user_id, amount_minor: body.amount_minor, status: decision.status, reason: decision.reason } };
    }
    if (call.url === '/internal/refunds') {
      const decision = decisions.get(body.order_id);
      if (decision?.status !== 'succeeded') return { status: 409, body: { code: 'billing.payment_not_found' } };
      if (!refunds.has(body.order_id)) {
        refunds.set(body.order_id, decision.amount);
        balances.set(body.user_id, (balances.get(body.user_id) ?? startingBalanceMinor) + decision.amount);
      }
      return { status: 200, body: { order_id: body.order_id, amount_minor: refunds.get(body.order_id) } };
    }
    return { status: 404 };
  };
  return { handle, decisions, refunds, balances };
}

export interface OrderTestContext {
  app: ServiceApp;
  database: TestDatabase;
  billing: StubPeer;
  fakeBilling: ReturnType<typeof createFakeBilling>;
  notification: StubPeer;
  deps: OrderDeps;
  close(): Promise<void>;
}

export async function startOrder(): Promise<OrderTestContext> {
  const database = await createTestDatabase(MIGRATIONS);
  const fakeBilling = createFakeBilling(500000);
  const billing = await startStubPeer(fakeBilling.handle);
  const notification = await startStubPeer(() => ({ status: 201, body: {} }));
  const peers: PeerClient[] = [
    createPeerClient({ name: 'billing', baseUrl: billing.url, internalToken: 'test-internal-token', retries: 0, timeoutMs: 1000 }),
    createPeerClient({ name: 'notification', baseUrl: notification.url, internalToken: 'test-internal-token', retries: 0, timeoutMs: 1000 }),
  ];
  const metricsRegistry = createMetricsRegistry({ app: 'order' });
  const metrics = createOrderMetrics(metricsRegistry, database.pool);
  const deps: OrderDeps = {
    db: database.pool,
    billing: createBillingClient(peers[0]!),
    notification: createNotificationClient(peers[1]!),
    metrics,
    deliveredMarks: createDeliveredMarks(database.pool, { delayMs: 10, onMarked: metrics.lettersDelivered, onError: () => {} }),
    log: { warn: () => {}, info: () => {} },
  };
  const app = buildOrderApp({ deps, metricsRegistry, logLevel: false, identityPublicKey: identities.publicKey, internalToken: 'test-internal-token' });
  await app.ready();
  return {
    app,
    database,
    billing,
    fakeBilling,
    notification,
    deps,
    async close() {
      await app.close();
      await deps.deliveredMarks.flush();
      await Promise.all(peers.map((peer) => peer.close()));
      await billing.close();
      await notification.close();
      await database.drop();
    },
  };
}

let nextUserId = Math.floor(Math.random() * 1e9);

export const identities = createTestIdentities();

export async function newCustomer() {
  const userId = ++nextUserId;
  return { userId, headers: await identities.headersFor(userId) };
}

export async function createOrderFor(context: OrderTestContext, headers: Record<string, string>, price = 3000): Promise<number> {
  const response = await context.app.inject({ method: 'POST', url: '/order', headers, payload: { price } });
  if (response.statusCode !== 200) throw new Error(`create failed: ${response.body}`);
  return response.json<{ id: number }>().id;
}

export async function readOutbox(context: OrderTestContext, orderId: number) {
  const { rows } = await context.database.pool.query('SELECT event, message, delivered_at FROM outbox WHERE order_id = $1 ORDER BY id', [orderId]);
  return rows as Array<{ event: string; message: string; delivered_at: Date | null }>;
}

/** The order's outbox rows once every one is marked delivered (the mark follows the response). */
export async function readOutboxOnceDelivered(context: OrderTestContext, orderId: number) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const letters = await readOutbox(context, orderId);
    if (letters.length > 0 && letters.every((letter) => letter.delivered_at !== null)) return letters;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return readOutbox(context, orderId);
}

import { createTestDatabase, type TestDatabase } from '@orderflow/db/testing';
import type { ServiceApp } from '@orderflow/kit';
import { createTestIdentities } from '@orderflow/kit/testing';
import { buildBillingApp } from '../src/app.js';
import { MIGRATIONS } from '../src/migrations.js';

export const INTERNAL_TOKEN = 'test-internal-token';
const internal = { authorization: `Bearer ${INTERNAL_TOKEN}` };
export const identities = createTestIdentities();

export interface BillingTestContext {
  app: ServiceApp;
  database: TestDatabase;
  close(): Promise<void>;
}

/** `ready: false` leaves app.ready() to the test, which may add hooks first. */
export async function startBilling(options: { ready?: boolean } = {}): Promise<BillingTestContext> {
  const database = await createTestDatabase(MIGRATIONS);
  const app = buildBillingApp({ db: database.pool, internalToken: INTERNAL_TOKEN, logLevel: false, identityPublicKey: identities.publicKey });
  if (options.ready !== false) await app.ready();
  return {
    app,
    database,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

let nextUserId = Math.floor(Math.random() * 1_000_000) * 1000;
let nextOrderId = Math.floor(Math.random() * 1_000_000) * 1000;
export const newOrderId = () => ++nextOrderId;

/** A user with an open account (and, optionally, money on it), as registration leaves one. */
export async function openAccount(context: BillingTestContext, topUp = 0): Promise<{ userId: number; headers: Record<string, string> }> {
  const userId = ++nextUserId;
  await context.app.inject({ method: 'PUT', url: `/internal/accounts/${userId}`, headers: internal });
  const headers = await identities.headersFor(userId);
  if (topUp !== 0) await context.app.inject({ method: 'POST', url: '/billing/change', headers, payload: { amount: topUp } });
  return { userId, headers };
}

export function pay(context: BillingTestContext, body: Record<string, unknown>) {
  return context.app.inject({ method: 'POST', url: '/internal/payments', headers: internal, payload: body });
}

export function refund(context: BillingTestContext, body: Record<string, unknown>) {
  return context.app.inject({ method: 'POST', url: '/internal/refunds', headers: internal, payload: body });
}

/** Balance and ledger sum of an account, read straight from the database. */
export async function readAccountState(context: BillingTestContext, userId: number) {
  const { rows } = await context.database.pool.query(
    `SELECT a.balance_minor::bigint AS balance, coalesce(sum(l.amount_minor), 0)::bigint AS ledger_sum, count(l.id)::int AS entries
       FROM accounts a LEFT JOIN ledger_entries l ON l.user_id = a.user_id WHERE a.user_id = $1 GROUP BY a.balance_minor`,
    [userId],
  );
  return { balanceMinor: Number(rows[0].balance), ledgerSumMinor: Number(rows[0].ledger_sum), entries: rows[0].entries as number };
}

import { Type } from 'typebox';
import { fromMinorUnits } from '@orderflow/money';
import { AmountSchema, boundsOf, PAGE_PROBLEMS, PageQuerySchema, PageSchema, problemResponses, readAmountField, readPage, replyWithPage, requireIdentity, type ServiceApp } from '@orderflow/kit';
import type { Pool, Queryable } from '@orderflow/db';
import { IDEMPOTENCY_PROBLEMS, IdempotencyKeyHeadersSchema, readIdempotencyKey, respondIdempotently } from '@orderflow/idempotency';
import { createAccountsStore } from '../store/accounts.store.js';
import { accountNotFound, changeBalance } from '../domain/change-balance.js';

const BalanceSchema = Type.Object({ user_id: Type.Integer(), balance: Type.Number() });
const ChangeBodySchema = Type.Object({ amount: AmountSchema }, { additionalProperties: false });
const LedgerEntrySchema = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('top_up'), Type.Literal('withdrawal'), Type.Literal('payment'), Type.Literal('refund')]),
  amount: Type.Number(),
  balance_after: Type.Number(),
  order_id: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

export function registerBillingRoutes(app: ServiceApp, db: Pool): void {
  app.get(
    '/billing/current',
    { schema: { tags: ['billing'], summary: "The caller's balance", response: { 200: BalanceSchema, ...problemResponses({ 404: ['billing.account_not_found'] }) } } },
    async (request) => {
      const { userId } = requireIdentity(request);
      const account = await createAccountsStore(db).findAccount(userId);
      if (account === null) throw accountNotFound(userId);
      return { user_id: userId, balance: fromMinorUnits(account.balanceMinor) };
    },
  );

  app.post(
    '/billing/change',
    {
      schema: {
        tags: ['billing'],
        summary: 'Top up (positive amount) or withdraw (negative); never below zero',
        headers: IdempotencyKeyHeadersSchema,
        body: ChangeBodySchema,
        response: {
          200: Type.Object({ user_id: Type.Integer(), balance: Type.Number(), amount: Type.Number() }),
          ...IDEMPOTENCY_PROBLEMS,
          ...problemResponses({ 404: ['billing.account_not_found'], 409: ['billing.insufficient_funds', 'idempotency.in_flight'] }),
        },
      },
    },
    async (request, reply) => {
      const { userId } = requireIdentity(request);
      const amountMinor = readAmountField(request.body.amount, '/amount', { nonZero: true });
      const change = async (queryable: Queryable) => {
        const account = await changeBalance(queryable, userId, amountMinor);
        return { user_id: userId, balance: fromMinorUnits(account.balanceMinor), amount: fromMinorUnits(amountMinor) };
      };
      const key = readIdempotencyKey(request);
      if (key === undefined) return change(db);
      return respondIdempotently(request, reply, { db, userId, key }, async (client) => ({ status: 200, body: await change(client) }));
    },
  );

  app.get(
    '/billing/transactions',
    { schema: { tags: ['billing'], summary: "The account's ledger, newest first, a page at a time", querystring: PageQuerySchema, response: { 200: PageSchema(LedgerEntrySchema), ...PAGE_PROBLEMS } } },
    async (request, reply) => {
      const { userId } = requireIdentity(request);
      const page = readPage(request.query);
      const entries = await createAccountsStore(db).listLedgerEntries(userId, boundsOf(page));
      return replyWithPage(request, reply, page, entries).map((entry) => ({
        id: entry.id,
        kind: entry.kind,
        amount: fromMinorUnits(entry.amountMinor),
        balance_after: fromMinorUnits(entry.balanceAfterMinor),
        order_id: entry.orderId,
        created_at: entry.createdAt.toISOString(),
      }));
    },
  );
}

import { Type } from 'typebox';
import { MAX_AMOUNT_MINOR } from '@orderflow/money';
import { ID_PATTERN, MAX_ID, type ServiceApp } from '@orderflow/kit';
import type { Pool } from '@orderflow/db';
import { createAccountsStore } from '../store/accounts.store.js';
import { payForOrder } from '../domain/pay-for-order.js';
import { refundOrder } from '../domain/refund-order.js';
import type { BillingMetrics } from '../metrics.js';

const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });
const UserIdParamsSchema = Type.Object({ userId: Type.String({ pattern: ID_PATTERN }) });
const PaymentBodySchema = Type.Object(
  { order_id: Id, user_id: Id, amount_minor: Type.Integer({ minimum: 1, maximum: MAX_AMOUNT_MINOR }) },
  { additionalProperties: false },
);
const PaymentSchema = Type.Object({
  order_id: Type.Integer(),
  user_id: Type.Integer(),
  amount_minor: Type.Integer(),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('declined')]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
const RefundBodySchema = Type.Object({ order_id: Id, user_id: Id }, { additionalProperties: false });

/** Service-to-service routes, behind the internal token and never routed by the edge. */
export function registerInternalRoutes(app: ServiceApp, db: Pool, metrics: BillingMetrics): void {
  app.put(
    '/internal/accounts/:userId',
    { schema: { tags: ['internal'], summary: "Open a user's account (idempotent)", params: UserIdParamsSchema, response: { 200: Type.Object({ user_id: Type.Integer(), balance_minor: Type.Integer() }) } } },
    async (request) => {
      const account = await createAccountsStore(db).openAccount(Number(request.params.userId));
      return { user_id: account.userId, balance_minor: account.balanceMinor };
    },
  );

  app.post(
    '/internal/payments',
    { schema: { tags: ['internal'], summary: "Charge an order's price, idempotent on order_id", body: PaymentBodySchema, response: { 200: PaymentSchema } } },
    async (request) => {
      const decision = await payForOrder(db, metrics, request.body.order_id, request.body.user_id, request.body.amount_minor);
      return { order_id: decision.orderId, user_id: decision.userId, amount_minor: decision.amountMinor, status: decision.status, reason: decision.reason };
    },
  );

  app.post(
    '/internal/refunds',
    { schema: { tags: ['internal'], summary: "Refund an order's payment, idempotent on order_id", body: RefundBodySchema, response: { 200: Type.Object({ order_id: Type.Integer(), amount_minor: Type.Integer() }) } } },
    async (request) => {
      const refund = await refundOrder(db, metrics, request.body.order_id, request.body.user_id);
      return { order_id: request.body.order_id, amount_minor: refund.amountMinor };
    },
  );
}

import { Type } from 'typebox';
import { PaymentRequestSchema, PaymentSchema, RefundRequestSchema, RefundSchema } from '@orderflow/billing-contract';
import { ID_PATTERN, type ServiceApp } from '@orderflow/kit';
import type { Pool } from '@orderflow/db';
import { createAccountsStore } from '../store/accounts.store.js';
import { payForOrder } from '../domain/pay-for-order.js';
import { refundOrder } from '../domain/refund-order.js';
import type { BillingMetrics } from '../metrics.js';

const UserIdParamsSchema = Type.Object({ userId: Type.String({ pattern: ID_PATTERN }) });

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
    { schema: { tags: ['internal'], summary: "Charge an order's price, idempotent on order_id", body: PaymentRequestSchema, response: { 200: PaymentSchema } } },
    async (request) => payForOrder(db, metrics, request.body.order_id, request.body.user_id, request.body.amount_minor),
  );

  app.post(
    '/internal/refunds',
    { schema: { tags: ['internal'], summary: "Refund an order's payment, idempotent on order_id", body: RefundRequestSchema, response: { 200: RefundSchema } } },
    async (request) => {
      const refund = await refundOrder(db, metrics, request.body.order_id, request.body.user_id);
      return { order_id: request.body.order_id, amount_minor: refund.amountMinor };
    },
  );
}

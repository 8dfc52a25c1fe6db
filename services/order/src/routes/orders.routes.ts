import type { PaymentStatus } from '@orderflow/billing-contract';
import { Type } from 'typebox';
import { fromMinorUnits, MAX_AMOUNT } from '@orderflow/money';
import { boundsOf, ID_PATTERN, PAGE_PROBLEMS, PageQuerySchema, problemResponses, PageSchema, readAmountField, readPage, replyWithPage, requireIdentity, type ServiceApp } from '@orderflow/kit';
import type { Queryable } from '@orderflow/db';
import { IDEMPOTENCY_PROBLEMS, IdempotencyKeyHeadersSchema, readIdempotencyKey, respondIdempotently } from '@orderflow/idempotency';
import { createOrdersStore, type Order } from '../store/orders.store.js';
import { createOrder } from '../domain/create-order.js';
import { orderNotFound, payOrder } from '../domain/pay-order.js';
import { cancelOrder } from '../domain/cancel-order.js';
import type { OrderDeps } from '../domain/deps.js';

const OrderSchema = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer(),
  price: Type.Number(),
  status: Type.String({ enum: ['new', 'pending', 'processing', 'failed', 'cancelling', 'cancelled'] }),
  billing: Type.Union([
    Type.Object({ status: Type.String({ enum: ['OK', 'ERROR'] }), reason: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
  refunded: Type.Union([Type.Number(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const CreateBodySchema = Type.Object(
  { price: Type.Number({ exclusiveMinimum: 0, maximum: MAX_AMOUNT, description: 'Money in major units, at most 2 decimals.' }) },
  { additionalProperties: false },
);
const OrderParamsSchema = Type.Object({ id: Type.String({ pattern: ID_PATTERN, description: 'Order id' }) });

/**
 * The seed's public spelling of billing's decision. Only here, at the edge of the public API: inside
 * the system, in the database and on the internal API a payment succeeded or was declined.
 */
const PUBLIC_BILLING_STATUS: Record<PaymentStatus, 'OK' | 'ERROR'> = { succeeded: 'OK', declined: 'ERROR' };

function toOrderJson(order: Order) {
  return {
    id: order.id,
    user_id: order.userId,
    price: fromMinorUnits(order.priceMinor),
    status: order.status,
    billing: order.paymentStatus === null ? null : { status: PUBLIC_BILLING_STATUS[order.paymentStatus], ...(order.paymentReason === null ? {} : { reason: order.paymentReason }) },
    refunded: order.refundedMinor === null ? null : fromMinorUnits(order.refundedMinor),
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

export function registerOrderRoutes(app: ServiceApp, deps: OrderDeps): void {
  app.post(
    '/order',
    { schema: { tags: ['order'], summary: 'Create an order with a price', headers: IdempotencyKeyHeadersSchema, body: CreateBodySchema, response: { 200: OrderSchema, ...IDEMPOTENCY_PROBLEMS } } },
    async (request, reply) => {
      const identity = requireIdentity(request);
      const priceMinor = readAmountField(request.body.price, '/price', { positive: true });
      const create = async (db: Queryable) => {
        const order = await createOrder(db, identity.userId, priceMinor, identity.email);
        deps.metrics.orderCreated();
        return toOrderJson(order);
      };
      const key = readIdempotencyKey(request);
      if (key === undefined) return create(deps.db);
      return respondIdempotently(request, reply, { db: deps.db, userId: identity.userId, key }, async (client) => ({ status: 200, body: await create(client) }));
    },
  );

  app.get(
    '/order',
    { schema: { tags: ['order'], summary: "The caller's orders, newest first, a page at a time", querystring: PageQuerySchema, response: { 200: PageSchema(OrderSchema), ...PAGE_PROBLEMS } } },
    async (request, reply) => {
      const { userId } = requireIdentity(request);
      const page = readPage(request.query);
      const orders = await createOrdersStore(deps.db).listOrdersOfUser(userId, boundsOf(page));
      return replyWithPage(request, reply, page, orders).map(toOrderJson);
    },
  );

  app.get(
    '/order/:id',
    { schema: { tags: ['order'], summary: "One of the caller's orders", params: OrderParamsSchema, response: { 200: OrderSchema, ...problemResponses({ 404: ['order.not_found'] }) } } },
    async (request) => {
      const { userId } = requireIdentity(request);
      const orderId = Number(request.params.id);
      const order = await createOrdersStore(deps.db).findOrderOfUser(orderId, userId);
      if (order === null) throw orderNotFound(orderId);
      return toOrderJson(order);
    },
  );

  app.put(
    '/order/:id/pay',
    {
      schema: {
        tags: ['order'],
        summary: 'Pay the order through billing: processing (billing OK) or failed (billing ERROR); repeats return the same outcome',
        params: OrderParamsSchema,
        response: {
          200: OrderSchema,
          ...problemResponses({ 404: ['order.not_found'], 409: ['order.not_payable', 'billing.account_not_found'], 502: ['billing.unexpected_response'], 503: ['peer.unavailable'] }),
        },
      },
    },
    async (request) => {
      const identity = requireIdentity(request);
      return toOrderJson(await payOrder(deps, Number(request.params.id), identity.userId, identity.email, request.id));
    },
  );

  app.post(
    '/order/:id/cancel',
    {
      schema: {
        tags: ['order'],
        summary: 'Cancel the order, refunding it if it was paid',
        params: OrderParamsSchema,
        response: {
          200: OrderSchema,
          ...problemResponses({ 404: ['order.not_found'], 409: ['order.not_cancellable', 'order.payment_in_progress'], 502: ['billing.unexpected_response'], 503: ['peer.unavailable'] }),
        },
      },
    },
    async (request) => {
      const { userId } = requireIdentity(request);
      return toOrderJson(await cancelOrder(deps, Number(request.params.id), userId, request.id));
    },
  );
}

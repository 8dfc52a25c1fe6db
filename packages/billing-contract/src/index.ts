import { Type, type Static } from 'typebox';
import { MAX_ID } from '@orderflow/kit';
import { MAX_AMOUNT_MINOR } from '@orderflow/money';

/*
 * Billing's payment routes under /internal, as billing validates and serialises them and as order's
 * client reads them: a field renamed on one side is a compile error on the other, not a payment that
 * order cannot read.
 */

/** The one vocabulary of a payment's outcome: in billing, in order and on this API. */
export const PaymentStatusSchema = Type.Union([Type.Literal('succeeded'), Type.Literal('declined')]);
export type PaymentStatus = Static<typeof PaymentStatusSchema>;

const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });

/** POST /internal/payments: charge an order's price, idempotent on order_id. */
export const PaymentRequestSchema = Type.Object(
  { order_id: Id, user_id: Id, amount_minor: Type.Integer({ minimum: 1, maximum: MAX_AMOUNT_MINOR }) },
  { additionalProperties: false },
);
export type PaymentRequest = Static<typeof PaymentRequestSchema>;

/** Billing's first, final decision on an order's payment; a repeat of the request gets it again. */
export const PaymentSchema = Type.Object({
  order_id: Type.Integer(),
  user_id: Type.Integer(),
  amount_minor: Type.Integer(),
  status: PaymentStatusSchema,
  /** Why it was declined (`insufficient_funds`); null when it succeeded. */
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type Payment = Static<typeof PaymentSchema>;

/** POST /internal/refunds: refund an order's payment, idempotent on order_id. */
export const RefundRequestSchema = Type.Object({ order_id: Id, user_id: Id }, { additionalProperties: false });
export type RefundRequest = Static<typeof RefundRequestSchema>;

export const RefundSchema = Type.Object({ order_id: Type.Integer(), amount_minor: Type.Integer() });
export type Refund = Static<typeof RefundSchema>;

-- Up Migration
-- The order keeps billing's decision in billing's own words (succeeded | declined), under the name
-- billing gives it (the payment's status and reason); the seed's OK | ERROR is only the public API's
-- spelling, mapped at the route (routes/orders.routes.ts). 001 created the checks unnamed, so they
-- are dropped by PostgreSQL's generated names and added back named.
ALTER TABLE orders RENAME COLUMN billing_status TO payment_status;
ALTER TABLE orders RENAME COLUMN billing_reason TO payment_reason;
ALTER TABLE orders
  DROP CONSTRAINT orders_billing_status_check,
  DROP CONSTRAINT orders_check,
  DROP CONSTRAINT orders_check1,
  DROP CONSTRAINT orders_check2;
UPDATE orders SET payment_status = CASE payment_status WHEN 'OK' THEN 'succeeded' ELSE 'declined' END
 WHERE payment_status IS NOT NULL;
ALTER TABLE orders
  ADD CONSTRAINT orders_payment_status_check CHECK (payment_status IN ('succeeded', 'declined')),
  ADD CONSTRAINT orders_settled_has_payment CHECK ((status IN ('processing', 'failed', 'cancelling')) <= (payment_status IS NOT NULL)),
  ADD CONSTRAINT orders_paid_has_succeeded CHECK ((status IN ('processing', 'cancelling')) <= (payment_status = 'succeeded')),
  ADD CONSTRAINT orders_failed_has_declined CHECK ((status = 'failed') <= (payment_status = 'declined'));

-- Down Migration
ALTER TABLE orders
  DROP CONSTRAINT orders_payment_status_check,
  DROP CONSTRAINT orders_settled_has_payment,
  DROP CONSTRAINT orders_paid_has_succeeded,
  DROP CONSTRAINT orders_failed_has_declined;
UPDATE orders SET payment_status = CASE payment_status WHEN 'succeeded' THEN 'OK' ELSE 'ERROR' END
 WHERE payment_status IS NOT NULL;
ALTER TABLE orders RENAME COLUMN payment_status TO billing_status;
ALTER TABLE orders RENAME COLUMN payment_reason TO billing_reason;
ALTER TABLE orders
  ADD CONSTRAINT orders_billing_status_check CHECK (billing_status IN ('OK', 'ERROR')),
  ADD CONSTRAINT orders_check CHECK ((status IN ('processing', 'failed', 'cancelling')) <= (billing_status IS NOT NULL)),
  ADD CONSTRAINT orders_check1 CHECK ((status IN ('processing', 'cancelling')) <= (billing_status = 'OK')),
  ADD CONSTRAINT orders_check2 CHECK ((status = 'failed') <= (billing_status = 'ERROR'));

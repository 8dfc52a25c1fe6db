-- Up Migration
CREATE TABLE orders (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        bigint NOT NULL,
  price_minor    bigint NOT NULL CHECK (price_minor > 0),
  -- new → pending → processing | failed; new → cancelled; processing → cancelling → cancelled.
  -- pending and cancelling are "asked billing, answer not recorded yet": the recovery loop finishes them.
  status         text NOT NULL DEFAULT 'new'
                 CHECK (status IN ('new', 'pending', 'processing', 'failed', 'cancelling', 'cancelled')),
  billing_status text CHECK (billing_status IN ('OK', 'ERROR')),
  billing_reason text,
  refunded_minor bigint CHECK (refunded_minor > 0),
  email          text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((status IN ('processing', 'failed', 'cancelling')) <= (billing_status IS NOT NULL)),
  CHECK ((status IN ('processing', 'cancelling')) <= (billing_status = 'OK')),
  CHECK ((status = 'failed') <= (billing_status = 'ERROR'))
);
CREATE INDEX orders_user_id_idx ON orders (user_id, id DESC);
CREATE INDEX orders_unsettled_idx ON orders (updated_at) WHERE status IN ('pending', 'cancelling');

-- Letters to send, written in the same transaction as the order outcome they announce (the
-- transactional outbox), so an outcome never exists without its letter.
CREATE TABLE outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id        bigint NOT NULL REFERENCES orders (id),
  user_id         bigint NOT NULL,
  email           text NOT NULL,
  event           text NOT NULL,
  message         text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- One letter per outcome of an order.
  UNIQUE (order_id, event)
);
CREATE INDEX outbox_undelivered_idx ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Down Migration
DROP TABLE outbox;
DROP TABLE orders;

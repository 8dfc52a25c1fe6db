-- Up Migration
CREATE TABLE letters (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The sender's id for this letter: order sends `order-<order id>-<event>`, one per order and event,
  -- the same on every retry of it. Delivery is at least once, storage exactly once.
  delivery_id text NOT NULL UNIQUE CHECK (length(delivery_id) BETWEEN 1 AND 100),
  user_id     bigint NOT NULL,
  order_id    bigint NOT NULL,
  email       text NOT NULL,
  event       text NOT NULL CHECK (length(event) BETWEEN 1 AND 64),
  message     text NOT NULL CHECK (length(message) BETWEEN 1 AND 2000),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX letters_user_id_idx ON letters (user_id, id DESC);

-- Down Migration
DROP TABLE letters;

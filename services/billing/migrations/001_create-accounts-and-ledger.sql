-- Up Migration
CREATE TABLE accounts (
  user_id       bigint PRIMARY KEY,
  -- The last line of defence against overdraft: no code path can commit a negative balance.
  balance_minor bigint NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every change of a balance is one row here, written in the same transaction as the change, so an
-- account's balance always equals the sum of its ledger.
CREATE TABLE ledger_entries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES accounts (user_id),
  kind          text NOT NULL CHECK (kind IN ('top_up', 'withdrawal', 'payment', 'refund')),
  amount_minor  bigint NOT NULL CHECK (amount_minor <> 0),
  balance_after_minor bigint NOT NULL CHECK (balance_after_minor >= 0),
  order_id      bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind IN ('top_up', 'refund')) = (amount_minor > 0)),
  CHECK ((kind IN ('payment', 'refund')) = (order_id IS NOT NULL))
);
CREATE INDEX ledger_entries_user_id_idx ON ledger_entries (user_id, id DESC);
-- An order is paid at most once and refunded at most once, whatever retries or races happen.
CREATE UNIQUE INDEX ledger_entries_one_payment_per_order ON ledger_entries (order_id) WHERE kind = 'payment';
CREATE UNIQUE INDEX ledger_entries_one_refund_per_order ON ledger_entries (order_id) WHERE kind = 'refund';

-- The first decision on an order's payment is final: a retry with the same order id gets the same
-- answer, even if the balance changed in between.
CREATE TABLE payment_decisions (
  order_id     bigint PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES accounts (user_id),
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  status       text NOT NULL CHECK (status IN ('succeeded', 'declined')),
  reason       text,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE payment_decisions;
DROP TABLE ledger_entries;
DROP TABLE accounts;

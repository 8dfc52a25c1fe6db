-- Up Migration
-- Requests made with an Idempotency-Key: the request's fingerprint, and once it completed, the
-- response to replay (src/index.ts). Kept 48 hours, then purged. It lives in the database of each
-- service that uses this package (billing, order); the file keeps the name and number it had in
-- theirs, so databases migrated before it moved here count it as applied.
CREATE TABLE idempotency_keys (
  user_id         bigint NOT NULL,
  key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint     bytea NOT NULL CHECK (length(fingerprint) = 32),
  locked_at       timestamptz NOT NULL,
  completed_at    timestamptz,
  response_status integer CHECK (response_status BETWEEN 200 AND 599),
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key),
  CHECK ((completed_at IS NULL) = (response_status IS NULL))
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- Down Migration
DROP TABLE idempotency_keys;

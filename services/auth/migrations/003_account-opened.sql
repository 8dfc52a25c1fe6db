-- Up Migration
-- Registration commits the user first and then asks billing to open the account (an idempotent
-- call), never holding a transaction across it; this records billing's yes. A user without it has
-- the account opened by a retry of the registration, by a login, or by auth's background loop.
ALTER TABLE users ADD COLUMN account_opened_at timestamptz;
-- Users registered before had their account opened inside the registering transaction.
UPDATE users SET account_opened_at = created_at;
CREATE INDEX users_account_pending_idx ON users (created_at) WHERE account_opened_at IS NULL;

-- Down Migration
DROP INDEX users_account_pending_idx;
ALTER TABLE users DROP COLUMN account_opened_at;

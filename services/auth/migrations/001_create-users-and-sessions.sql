-- Up Migration
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login         text NOT NULL CHECK (length(login) BETWEEN 3 AND 64),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  first_name    text NOT NULL DEFAULT '',
  last_name     text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- Logins are unique without regard to case, so "Alice" cannot register beside "alice".
CREATE UNIQUE INDEX users_login_key ON users (lower(login));

-- Only a SHA-256 of the session id is stored: a leaked table does not hand out live sessions.
CREATE TABLE sessions (
  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed logins per login name, to slow down password guessing.
CREATE TABLE login_failures (
  login             text PRIMARY KEY,
  failures          integer NOT NULL CHECK (failures > 0),
  window_started_at timestamptz NOT NULL,
  blocked_until     timestamptz
);

-- Down Migration
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;

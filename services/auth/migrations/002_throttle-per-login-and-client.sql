-- Up Migration
-- Failed logins are counted per login *and* client address: a stranger guessing at someone's
-- password slows only themselves, and cannot keep the real user, elsewhere, locked out.
ALTER TABLE login_failures ADD COLUMN client text NOT NULL DEFAULT '';
ALTER TABLE login_failures DROP CONSTRAINT login_failures_pkey;
ALTER TABLE login_failures ADD PRIMARY KEY (login, client);

-- Down Migration
DELETE FROM login_failures WHERE client <> '';
ALTER TABLE login_failures DROP CONSTRAINT login_failures_pkey;
ALTER TABLE login_failures ADD PRIMARY KEY (login);
ALTER TABLE login_failures DROP COLUMN client;

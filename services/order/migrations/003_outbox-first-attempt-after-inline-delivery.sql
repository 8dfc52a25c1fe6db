-- Up Migration
-- A new letter is delivered by the request that wrote it; the delivery loop should only pick up the
-- ones that request could not deliver. Without a grace period the loop leased letters whose inline
-- delivery was still on its way and delivered them a second time (harmless, stored once, but work).
ALTER TABLE outbox ALTER COLUMN next_attempt_at SET DEFAULT now() + interval '2 seconds';

-- Down Migration
ALTER TABLE outbox ALTER COLUMN next_attempt_at SET DEFAULT now();

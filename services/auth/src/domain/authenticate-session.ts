import { createSessionsStore } from '../store/sessions.store.js';
import type { User } from '../store/users.store.js';
import { hashSessionToken, isWellFormedToken } from './session-tokens.js';
import type { AuthDeps } from './deps.js';

/**
 * Idle time is tracked to the minute: refreshing `last_seen_at` on every request would turn each
 * authenticated read in the system into a write.
 */
const TOUCH_AFTER_MS = 60_000;

/** The user behind a session id and when the session ends at the latest, or null when it is unknown, revoked, idle or expired. */
export async function authenticateSession(deps: AuthDeps, token: string | undefined): Promise<{ user: User; expiresAt: Date } | null> {
  if (token === undefined || !isWellFormedToken(token)) return null;
  const tokenHash = hashSessionToken(token);
  const now = deps.now();
  const sessions = createSessionsStore(deps.db);
  const session = await sessions.findActiveSession(tokenHash, now, deps.sessions.idleSeconds);
  if (session === null) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_AFTER_MS) await sessions.touchSession(tokenHash, now);
  return { user: session.user, expiresAt: session.expiresAt };
}

export async function logOut(deps: AuthDeps, token: string | undefined): Promise<void> {
  if (token === undefined || !isWellFormedToken(token)) return;
  await createSessionsStore(deps.db).deleteSession(hashSessionToken(token));
}

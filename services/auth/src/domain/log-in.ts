import { Problem, unauthorized } from '@orderflow/kit';
import { createUsersStore, type User } from '../store/users.store.js';
import { createSessionsStore } from '../store/sessions.store.js';
import { createLoginFailuresStore } from '../store/login-failures.store.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import { generateSessionToken, hashSessionToken } from './session-tokens.js';
import { openAccount } from './open-account.js';
import type { AuthDeps } from './deps.js';

const INVALID_CREDENTIALS = 'The login or the password is wrong.';

/**
 * Checks the password and opens a new session with a fresh id (never reusing one, so a planted id
 * cannot be fixated). Unknown logins and wrong passwords get the same 401 after the same work.
 */
export async function logIn(deps: AuthDeps, login: string, password: string, client: string, requestId: string): Promise<{ user: User; token: string }> {
  const failures = createLoginFailuresStore(deps.db);
  const blockedUntil = await failures.findBlockedUntil(login, client, deps.now());
  if (blockedUntil !== null) {
    const retryAfter = Math.max(1, Math.ceil((blockedUntil.getTime() - deps.now().getTime()) / 1000));
    throw new Problem({
      status: 429,
      code: 'auth.too_many_attempts',
      title: 'Too many attempts',
      detail: `Too many failed logins for this account; try again in ${retryAfter} s.`,
      headers: { 'retry-after': String(retryAfter) },
    });
  }

  const user = await createUsersStore(deps.db).findUserByLogin(login);
  const isValid = user === null ? await verifyAgainstDummy(password) : await verifyPassword(user.passwordHash, password);
  if (user === null || !isValid) {
    await failures.recordFailure(login, client, deps.now(), deps.throttle);
    throw unauthorized(INVALID_CREDENTIALS);
  }

  await failures.clearFailures(login, client);
  // A registration that billing did not finish: no session without an account.
  if (!user.isAccountOpen) await openAccount(deps, user.id, requestId);
  const token = generateSessionToken();
  const now = deps.now();
  const sessions = createSessionsStore(deps.db);
  await sessions.deleteExpiredSessionsOfUser(user.id, now, deps.sessions.idleSeconds);
  await sessions.insertSession({
    tokenHash: hashSessionToken(token),
    userId: user.id,
    now,
    expiresAt: new Date(now.getTime() + deps.sessions.absoluteSeconds * 1000),
  });
  const { passwordHash: _omitted, isAccountOpen: _opened, ...profile } = user;
  return { user: profile, token };
}

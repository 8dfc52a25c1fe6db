import { conflict } from '@orderflow/kit';
import { createUsersStore, type User, type UserWithPasswordHash } from '../store/users.store.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { openAccount } from './open-account.js';
import type { AuthDeps } from './deps.js';

export interface RegistrationInput {
  login: string;
  password: string;
  email: string;
  firstName: string;
  lastName: string;
}

/**
 * Creates the user (committed on its own), then has billing open the account (openAccount). When
 * billing cannot, the client gets a 503 `auth.account_pending`: the same registration again (same
 * login and password) finishes it and answers as the first would have; so do a login and auth's
 * background loop. No user can log in without an account: login opens a missing one first.
 */
export async function registerUser(deps: AuthDeps, input: RegistrationInput, requestId: string): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  const users = createUsersStore(deps.db);
  const user = (await users.insertUser({ ...input, passwordHash })) ?? (await findUnfinishedRegistration(deps, input));
  if (user === null) throw conflict('auth.login_taken', `The login '${input.login}' is already taken.`);
  if (!user.isAccountOpen) await openAccount(deps, user.id, requestId);
  const { passwordHash: _omitted, isAccountOpen: _opened, ...profile } = user;
  return profile;
}

/** The earlier attempt of this very registration, if its account is still to be opened. */
async function findUnfinishedRegistration(deps: AuthDeps, input: RegistrationInput): Promise<UserWithPasswordHash | null> {
  const existing = await createUsersStore(deps.db).findUserByLogin(input.login);
  if (existing === null || existing.isAccountOpen) return null;
  return (await verifyPassword(existing.passwordHash, input.password)) ? existing : null;
}

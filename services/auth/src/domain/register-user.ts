import { withTransaction } from '@orderflow/db';
import { conflict } from '@orderflow/kit';
import { createUsersStore, type User } from '../store/users.store.js';
import { hashPassword } from './passwords.js';
import type { AuthDeps } from './deps.js';

export interface RegistrationInput {
  login: string;
  password: string;
  email: string;
  firstName: string;
  lastName: string;
}

/**
 * Creates the user and, over HTTP, the user's billing account. The billing call is made inside the
 * user's transaction: if billing cannot open the account the user is rolled back and the client gets
 * a 503 to retry, so no user exists without an account. Opening an account is idempotent, so the rare
 * account whose user then failed to commit is harmless: its id is never handed out again.
 */
export async function registerUser(deps: AuthDeps, input: RegistrationInput, requestId: string): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  return withTransaction(deps.db, async (client) => {
    const user = await createUsersStore(client).insertUser({ ...input, passwordHash });
    if (user === null) throw conflict('auth.login_taken', `The login '${input.login}' is already taken.`);
    await deps.billing.openAccount(user.id, requestId);
    return user;
  });
}

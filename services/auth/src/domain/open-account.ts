import { serviceUnavailable, startBackgroundLoop, type BackgroundLoop } from '@orderflow/kit';
import { createUsersStore } from '../store/users.store.js';
import type { AuthDeps } from './deps.js';

/**
 * Asks billing to open the user's account, then records that it did. No transaction is open during
 * the call; the call is idempotent, so a retry of the registration, a login or the loop below may
 * each finish an opening that another began.
 */
export async function openAccount(deps: AuthDeps, userId: number, requestId: string): Promise<void> {
  try {
    await deps.billing.openAccount(userId, requestId);
  } catch (error) {
    throw serviceUnavailable('auth.account_pending', 'The user exists, but billing has not opened its account yet; retry the same registration or log in shortly.', error);
  }
  await createUsersStore(deps.db).markAccountOpened(userId);
}

/** Users per pass: a backlog left by a long billing outage drains over a few passes. */
const BATCH = 100;

/**
 * Opens the accounts of users whose registration was never retried and who never logged in, every
 * `intervalMs`. Only users older than one interval: a registration still running finishes its own.
 * With billing still down a pass stops at the first failure and the next one tries again.
 */
export function startAccountOpening(deps: AuthDeps, options: { intervalMs: number; log: { warn(fields: object, message: string): void } }): BackgroundLoop {
  return startBackgroundLoop(
    async (isStopping) => {
      for (const userId of await createUsersStore(deps.db).findUsersWithoutAccount(options.intervalMs, BATCH)) {
        if (isStopping()) return;
        await openAccount(deps, userId, `account-opening-${userId}`);
      }
    },
    { intervalMs: options.intervalMs, onError: (error) => options.log.warn({ err: error }, 'opening pending accounts failed; the next pass tries again') },
  );
}

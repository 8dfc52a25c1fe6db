import { conflict, notFound } from '@orderflow/kit';
import type { Queryable } from '@orderflow/db';
import { createAccountsStore, type Account } from '../store/accounts.store.js';

export const accountNotFound = (userId: number) => notFound('billing.account_not_found', `No billing account for user ${userId}.`);

/** Tops up (positive) or withdraws (negative); a withdrawal never takes the balance below zero. */
export async function changeBalance(db: Queryable, userId: number, amountMinor: number): Promise<Account> {
  const accounts = createAccountsStore(db);
  const changed = await accounts.changeBalance(userId, amountMinor, amountMinor > 0 ? 'top_up' : 'withdrawal');
  if (changed !== null) return changed;
  const account = await accounts.findAccount(userId);
  if (account === null) throw accountNotFound(userId);
  throw conflict('billing.insufficient_funds', 'Not enough money on the account for this withdrawal.', {
    balance: account.balanceMinor / 100,
  });
}

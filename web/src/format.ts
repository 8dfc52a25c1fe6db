import { ApiError, type LedgerEntry, type Order } from './api';

// One fixed locale so every reader, and the browser test, sees the same digits: 5,000.00.
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

export function formatMoney(amount: number): string {
  return money.format(amount);
}

export function formatTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** The text of an amount field as a number, or undefined when it is not one (the API judges the rest). */
export function parseAmount(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
}

const LEDGER_KINDS: Record<LedgerEntry['kind'], string> = {
  top_up: 'Top-up',
  withdrawal: 'Withdrawal',
  payment: 'Payment',
  refund: 'Refund',
};

export function describeLedgerEntry(entry: LedgerEntry): string {
  return entry.order_id === null ? LEDGER_KINDS[entry.kind] : `${LEDGER_KINDS[entry.kind]}, order #${entry.order_id}`;
}

export function describeOrderStatus(order: Order): string {
  switch (order.status) {
    case 'new':
      return 'New: not paid yet';
    case 'pending':
      return 'Payment in progress';
    case 'processing':
      return 'Paid: processing';
    case 'failed':
      return order.billing?.reason === 'insufficient_funds' ? 'Failed: insufficient funds' : 'Failed: payment refused';
    case 'cancelling':
      return 'Cancelling: refund in progress';
    case 'cancelled':
      return order.refunded === null ? 'Cancelled' : `Cancelled: ${formatMoney(order.refunded)} refunded`;
  }
}

const FIELD_NAMES: Record<string, string> = {
  amount: 'Amount',
  price: 'Price',
  login: 'Login',
  password: 'Password',
  email: 'Email',
  first_name: 'First name',
  last_name: 'Last name',
};

/** A sentence for the person from the API's problem document: what went wrong and what to do. */
export function describeProblem(error: ApiError): string {
  const { code, detail, title, errors } = error.problem;
  if (code === 'request.invalid' && errors !== undefined && errors.length > 0) {
    return errors.map((issue) => `${fieldName(issue.pointer)} ${humanise(issue.detail)}.`).join(' ');
  }
  if (code === 'billing.insufficient_funds') return `Insufficient funds: ${detail ?? 'your balance is too low.'}`;
  return detail ?? title;
}

function fieldName(pointer: string): string {
  const field = pointer.split('/').pop() ?? '';
  return FIELD_NAMES[field] ?? (field === '' ? 'The request' : field);
}

function humanise(detail: string): string {
  if (detail.startsWith('must match pattern')) return 'may use only letters, digits and . _ @ + -';
  return detail.replace('must NOT have', 'must not have').replace('must match format "email"', 'must be an email address');
}

export function describeError(error: unknown): string {
  return error instanceof ApiError ? describeProblem(error) : 'Something went wrong in the page; reload it and try again.';
}

export function formatSignedMoney(amount: number): string {
  // U+2212, the minus sign, reads as "minus" aloud and lines up with the plus sign.
  return amount < 0 ? `\u2212${formatMoney(-amount)}` : `+${formatMoney(amount)}`;
}

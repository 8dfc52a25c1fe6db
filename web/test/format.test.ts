import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type LedgerEntry, type Order } from '../src/api';
import { describeError, describeLedgerEntry, describeOrderStatus, describeProblem, formatMoney, formatSignedMoney, formatTime, parseAmount } from '../src/format';

const order = (status: Order['status'], extra: Partial<Order> = {}): Order => ({
  id: 7, user_id: 1, price: 20, status, billing: null, refunded: null, created_at: '2026-01-01T12:00:00Z', updated_at: '2026-01-01T12:00:00Z', ...extra,
});
const entry = (kind: LedgerEntry['kind'], orderId: number | null): LedgerEntry => ({ id: 1, kind, amount: 5, balance_after: 5, order_id: orderId, created_at: '2026-01-01T12:00:00Z' });

describe('storefront formatting', () => {
  test('when an amount is shown, then it has two decimals and thousands separators, and a signed one a real minus sign', () => {
    assert.equal(formatMoney(5000), '5,000.00');
    assert.equal(formatMoney(0.29), '0.29');
    assert.equal(formatSignedMoney(-20), '\u221220.00');
    assert.equal(formatSignedMoney(1234.5), '+1,234.50');
  });

  test('when a time is shown, then it is day, month and year in words and the hour', () => {
    assert.match(formatTime('2026-03-15T12:00:00Z'), /^15 Mar 2026, \d\d:\d\d$/);
  });

  test('when an amount is typed, then digits with an optional fraction are a number and anything else is not', () => {
    assert.equal(parseAmount(' 20.50 '), 20.5);
    assert.equal(parseAmount('100'), 100);
    for (const text of ['', '-5', '1e3', '20,50', 'abc', '.5', '5.']) assert.equal(parseAmount(text), undefined, text);
  });

  test('when a ledger entry belongs to an order, then its line names the order', () => {
    assert.equal(describeLedgerEntry(entry('payment', 42)), 'Payment, order #42');
    assert.equal(describeLedgerEntry(entry('top_up', null)), 'Top-up');
  });

  test('when an order failed or was cancelled, then its status says why and what came back', () => {
    assert.equal(describeOrderStatus(order('failed', { billing: { status: 'ERROR', reason: 'insufficient_funds' } })), 'Failed: insufficient funds');
    assert.equal(describeOrderStatus(order('failed', { billing: { status: 'ERROR', reason: 'account_missing' } })), 'Failed: payment refused');
    assert.equal(describeOrderStatus(order('cancelled', { refunded: 1500 })), 'Cancelled: 1,500.00 refunded');
    assert.equal(describeOrderStatus(order('cancelled')), 'Cancelled');
  });

  test('when the API refuses fields, then each is named in words with what it must be', () => {
    const problem = new ApiError({
      status: 400,
      code: 'request.invalid',
      title: 'Invalid request',
      errors: [
        { pointer: '/first_name', detail: 'must NOT have more than 100 characters' },
        { pointer: '/email', detail: 'must match format "email"' },
        { pointer: '/login', detail: 'must match pattern "^[a-z]+$"' },
        { pointer: '', detail: 'must have required property' },
      ],
    });

    assert.equal(describeProblem(problem), 'First name must not have more than 100 characters. Email must be an email address. Login may use only letters, digits and . _ @ + -. The request must have required property.');
  });

  test('when the problem is not about fields, then its detail is shown, or its title, and any other error asks for a reload', () => {
    assert.equal(describeProblem(new ApiError({ status: 409, code: 'billing.insufficient_funds', title: 'Conflict' })), 'Insufficient funds: your balance is too low.');
    assert.equal(describeProblem(new ApiError({ status: 404, code: 'order.not_found', title: 'Not found', detail: 'No order 9.' })), 'No order 9.');
    assert.equal(describeError(new ApiError({ status: 503, code: 'peer.unavailable', title: 'Unavailable' })), 'Unavailable');
    assert.equal(describeError(new TypeError('x is undefined')), 'Something went wrong in the page; reload it and try again.');
  });
});

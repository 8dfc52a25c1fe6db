import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAnswersAgainstOrders, type ClientAnswers } from './invariants.js';

/** Where each order ended, as the order database holds it. */
const ORDERS = [
  { id: '1', status: 'processing', refunded_minor: null },
  { id: '2', status: 'failed', refunded_minor: null },
  { id: '3', status: 'cancelled', refunded_minor: '500' },
  { id: '4', status: 'cancelled', refunded_minor: null },
  { id: '5', status: 'new', refunded_minor: null },
];

describe('the chaos suite’s check of 2xx answers against the final orders', () => {
  const cases: Array<{ answered: string; orderId: number; cancelled?: boolean; isKept: boolean }> = [
    { answered: 'processing', orderId: 1, isKept: true },
    { answered: 'processing', orderId: 3, isKept: true },
    { answered: 'failed', orderId: 2, isKept: true },
    { answered: 'processing', orderId: 2, isKept: false },
    { answered: 'failed', orderId: 1, isKept: false },
    { answered: 'processing', orderId: 4, isKept: false },
    { answered: 'processing', orderId: 5, isKept: false },
    { answered: 'processing', orderId: 99, isKept: false },
    { answered: 'cancelled', orderId: 3, cancelled: true, isKept: true },
    { answered: 'cancelled', orderId: 1, cancelled: true, isKept: false },
  ];
  for (const { answered, orderId, cancelled, isKept } of cases) {
    const order = ORDERS.find((o) => Number(o.id) === orderId);
    test(`when a ${cancelled === true ? 'cancel' : 'pay'} was answered 200 ${answered} and the order ends ${order?.status ?? 'missing'}${order?.refunded_minor ? ' (refunded)' : ''}, then it is ${isKept ? 'kept' : 'a violation'}`, () => {
      const answers: ClientAnswers = cancelled === true ? { paid: new Map(), cancelled: new Set([orderId]) } : { paid: new Map([[orderId, [answered]]]), cancelled: new Set() };

      const violations = checkAnswersAgainstOrders(answers, ORDERS);

      assert.equal(violations.length, isKept ? 0 : 1, violations.join('; '));
    });
  }
});

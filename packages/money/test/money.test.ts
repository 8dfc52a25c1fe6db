import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromMinorUnits, InvalidAmountError, MAX_AMOUNT, toMinorUnits } from '../src/index.js';

describe('toMinorUnits', () => {
  const accepted: Array<[number, number]> = [
    [5000, 500000],
    [3000, 300000],
    [2000.0, 200000],
    [0.29, 29],
    [0.1, 10],
    [1.01, 101],
    [19.99, 1999],
    [-25.5, -2550],
    [0, 0],
    [-0, 0],
    [MAX_AMOUNT, MAX_AMOUNT * 100],
  ];
  for (const [amount, minor] of accepted) {
    test(`when given ${amount}, then it is ${minor} minor units`, () => {
      assert.equal(toMinorUnits(amount), minor);
    });
  }

  const refused: number[] = [0.001, 1.005, 1e-7, Infinity, -Infinity, NaN, MAX_AMOUNT + 0.01, 1e21];
  for (const amount of refused) {
    test(`when given ${amount}, then it is refused`, () => {
      assert.throws(() => toMinorUnits(amount), InvalidAmountError);
    });
  }
});

describe('fromMinorUnits', () => {
  const table: Array<[number, number]> = [
    [200000, 2000],
    [2999, 29.99],
    [1, 0.01],
    [-2550, -25.5],
  ];
  for (const [minor, amount] of table) {
    test(`when given ${minor} minor units, then it is ${amount}`, () => {
      assert.equal(fromMinorUnits(minor), amount);
      assert.equal(toMinorUnits(fromMinorUnits(minor)), minor);
    });
  }
});

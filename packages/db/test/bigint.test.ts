import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBigint } from '../src/bigint.js';

describe('parseBigint', () => {
  test('when PostgreSQL returns an int8 string, then it becomes a number', () => {
    assert.equal(parseBigint('500000'), 500000);
  });
  test('when the value is beyond 2^53, then it is refused instead of rounded', () => {
    assert.throws(() => parseBigint('9007199254740993'), RangeError);
  });
});

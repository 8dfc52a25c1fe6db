import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBigint } from '../src/bigint.js';
import { withClient } from '../src/client.js';
import { createPool, type Pool } from '../src/pool.js';

describe('parseBigint', () => {
  test('when PostgreSQL returns an int8 string, then it becomes a number', () => {
    assert.equal(parseBigint('500000'), 500000);
  });
  test('when the value is beyond 2^53, then it is refused instead of rounded', () => {
    assert.throws(() => parseBigint('9007199254740993'), RangeError);
  });
});

describe('a bigint column read through createPool', () => {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  let pool: Pool;
  before(() => {
    pool = createPool(adminUrl, { max: 1 });
  });
  after(() => pool.end());

  test('when the value is within 2^53, then the row holds a number', async () => {
    const { rows } = await pool.query<{ n: unknown }>('SELECT 9007199254740991::bigint AS n');

    assert.equal(rows[0]!.n, Number.MAX_SAFE_INTEGER);
  });

  test('when the value is beyond 2^53, then the query fails instead of rounding it', async () => {
    const query = pool.query('SELECT 9007199254740993::bigint AS n');

    await assert.rejects(query, RangeError);
  });

  test('when a bare client reads it, then it is still a string: the pool does not change pg for everyone', async () => {
    await pool.query('SELECT 1::bigint');

    const { rows } = await withClient(adminUrl, (client) => client.query<{ n: unknown }>('SELECT 9007199254740993::bigint AS n'));

    assert.equal(rows[0]!.n, '9007199254740993');
  });
});

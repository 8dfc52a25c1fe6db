import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from '@orderflow/db';
import { createTestDatabase, type TestDatabase } from '@orderflow/db/testing';
import { MIGRATIONS } from '../src/migrations.js';

describe('migration 004: payment status in billing’s words', () => {
  let database: TestDatabase;
  before(async () => {
    // A database as the version before 004 left it (001 to 003), with orders in every state that has a payment.
    database = await createTestDatabase(MIGRATIONS, { migrationCount: 3 });
  });
  after(() => database.drop());

  test('when it runs on orders stored as OK and ERROR, then they read succeeded and declined, and the old spelling is refused', async () => {
    await database.pool.query(
      `INSERT INTO orders (user_id, price_minor, status, billing_status, billing_reason, refunded_minor) VALUES
         (1, 100, 'new', NULL, NULL, NULL),
         (1, 100, 'processing', 'OK', NULL, NULL),
         (1, 100, 'failed', 'ERROR', 'insufficient_funds', NULL),
         (1, 100, 'cancelled', 'OK', NULL, 100)`,
    );

    await migrate(database.url, MIGRATIONS);

    const { rows } = await database.pool.query('SELECT status, payment_status, payment_reason FROM orders ORDER BY id');
    assert.deepEqual(rows, [
      { status: 'new', payment_status: null, payment_reason: null },
      { status: 'processing', payment_status: 'succeeded', payment_reason: null },
      { status: 'failed', payment_status: 'declined', payment_reason: 'insufficient_funds' },
      { status: 'cancelled', payment_status: 'succeeded', payment_reason: null },
    ]);
    await assert.rejects(database.pool.query("INSERT INTO orders (user_id, price_minor, status, payment_status) VALUES (1, 100, 'new', 'OK')"), /orders_payment_status_check/);
    await assert.rejects(database.pool.query("INSERT INTO orders (user_id, price_minor, status, payment_status) VALUES (1, 100, 'failed', 'succeeded')"), /orders_failed_has_declined/);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purgeKeysWhileRunning } from '@orderflow/idempotency';
import { startBilling } from './helper.js';

test('when the app runs, then idempotency keys past retention are purged, fresh ones stay, and the purge stops with the app', async (t) => {
  const context = await startBilling({ ready: false });
  t.after(() => context.database.drop());
  const { pool } = context.database;
  const insertKey = (key: string, hoursAgo: number) =>
    pool.query(`INSERT INTO idempotency_keys (user_id, key, fingerprint, locked_at, created_at) VALUES (1, $1, decode(repeat('00', 32), 'hex'), now(), now() - make_interval(hours => $2))`, [key, hoursAgo]);
  const keys = async () => (await pool.query<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key')).rows.map((row) => row.key);
  try {
    await insertKey('expired', 49);
    await insertKey('fresh', 47);
    purgeKeysWhileRunning(context.app, pool, 20);
    await context.app.ready();
    for (let waited = 0; (await keys()).includes('expired') && waited < 5_000; waited += 20) await sleep(20);
    assert.deepEqual(await keys(), ['fresh']);
  } finally {
    await context.app.close();
  }
  await insertKey('expired after close', 49);
  await sleep(200);
  assert.deepEqual(await keys(), ['expired after close', 'fresh'], 'no pass runs once the app closed');
});

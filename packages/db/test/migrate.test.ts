import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../src/migrate.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let folder: string;
let database: TestDatabase;
before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'orderflow-migrate-'));
  database = await createTestDatabase([folder]);
  // Slow enough that the second runner starts while the first holds the lock.
  await writeFile(path.join(folder, '001_slow-table.sql'), '-- Up Migration\nSELECT pg_sleep(0.5);\nCREATE TABLE slow (id integer PRIMARY KEY);\n\n-- Down Migration\nDROP TABLE slow;\n');
});
after(async () => {
  await database.drop();
  await rm(folder, { recursive: true, force: true });
});

test('when two runners migrate one database at once (two replicas starting), then both succeed and the migration is applied once', async () => {
  await Promise.all([migrate(database.url, [folder]), migrate(database.url, [folder])]);

  const { rows } = await database.pool.query<{ name: string }>('SELECT name FROM schema_migrations');
  assert.deepEqual(rows.map((row) => row.name), ['001_slow-table']);
  assert.equal((await database.pool.query('SELECT count(*) AS n FROM slow')).rows[0].n, 0);
});

import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from './pool.js';
import { migrate } from './migrate.js';
import { withClient, withDatabaseName } from './client.js';

/*
 * `@orderflow/db/testing`: what only tests use, kept out of the package's main entry so that no
 * service can import a test helper by accident (eslint refuses this entry under any src/ folder).
 */

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file, on the server the test runner started
 * (TEST_DATABASE_URL names its admin database). Each file gets its own, so files run in parallel
 * and no test sees another's rows. `migrationCount` stops after that many, for a test of a later one.
 */
export async function createTestDatabase(migrations: readonly string[], options: { migrationCount?: number } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl === undefined) {
    throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`, which starts PostgreSQL.');
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = withDatabaseName(adminUrl, name);
  await migrate(url, migrations, { count: options.migrationCount });
  const pool = createPool(url, { max: 20 });
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * The plan PostgreSQL keeps for a prepared statement once it stops planning per call (the generic
 * plan), as EXPLAIN prints it. Sequential scans are priced out: a test's tables are small enough to be
 * read whole, so the question asked is whether an index can serve the query, in its order.
 */
export async function explainGenericPlan(pool: Pool, sql: string, values: Array<string | number | null>): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await client.query('SET LOCAL enable_seqscan = off');
    await client.query(`PREPARE explained AS ${sql}`);
    const literals = values.map((value) => (value === null ? 'NULL' : client.escapeLiteral(String(value))));
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) EXECUTE explained(${literals.join(', ')})`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
    // Only this one: the pool's own prepared statements on the connection must stay.
    await client.query('DEALLOCATE explained').catch(() => undefined);
    client.release();
  }
}

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createPool, isDatabaseReachable, type Pool } from '@orderflow/db';
import { createServiceApp, type ServiceApp } from '../src/app.js';
import { startSilentServer } from '../src/testing.js';

/** An app whose one route needs the database, as every service's do. */
function appOn(pool: Pool): ServiceApp {
  const app = createServiceApp({ name: 'probe', logLevel: false, docs: false, isReady: () => isDatabaseReachable(pool) });
  app.get('/probe', async (request) => (await pool.query((request.query as { sql?: string }).sql ?? 'SELECT 1 AS one')).rows);
  return app;
}

async function timedProbe(app: ServiceApp, url = '/probe') {
  const started = performance.now();
  const response = await app.inject({ method: 'GET', url });
  return { response, ms: performance.now() - started };
}

function assertDatabaseUnavailable(response: Awaited<ReturnType<ServiceApp['inject']>>): void {
  assert.equal(response.statusCode, 503, response.body);
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(response.json().code, 'database.unavailable');
  assert.equal(response.headers['retry-after'], '2');
}

describe('a request whose database cannot be reached', () => {
  test('when the connection is refused, then 503 database.unavailable with Retry-After at once, and not ready', async (t) => {
    const silent = await startSilentServer();
    const port = silent.port;
    await silent.close();
    const pool = createPool(`postgres://nobody:secret@127.0.0.1:${port}/none`, { max: 2 });
    const app = appOn(pool);
    t.after(async () => {
      await app.close();
      await pool.end();
    });

    const { response, ms } = await timedProbe(app);

    assertDatabaseUnavailable(response);
    assert.ok(ms < 500, `answered in ${Math.round(ms)} ms`);
    assert.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503);
    assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  });

  test('when the server accepts and never answers, then 503 within the 5 s connect timeout, and readiness says no within 1 s', async (t) => {
    const silent = await startSilentServer();
    const pool = createPool(`postgres://nobody:secret@127.0.0.1:${silent.port}/none`, { max: 2 });
    const app = appOn(pool);
    t.after(async () => {
      await app.close();
      await pool.end().catch(() => {});
      await silent.close();
    });

    const ready = await timedProbe(app, '/health/ready');
    const { response, ms } = await timedProbe(app);

    assert.equal(ready.response.statusCode, 503);
    assert.ok(ready.ms < 1_000, `readiness answered in ${Math.round(ready.ms)} ms`);
    assertDatabaseUnavailable(response);
    assert.ok(ms < 6_000, `answered in ${Math.round(ms)} ms`);
  });
});

describe('a request whose database connection is ended under it', () => {
  let pool: Pool;
  let app: ServiceApp;
  before(async () => {
    pool = createPool(process.env.TEST_DATABASE_URL!, { max: 2, applicationName: 'unavailable-probe' });
    app = appOn(pool);
  });
  after(async () => {
    await app.close();
    await pool.end();
  });

  test('when the server terminates the session (SQLSTATE 57P01, as at a shutdown), then 503 database.unavailable, and the next request is served', async () => {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const sleeping = app.inject({ method: 'GET', url: '/probe?sql=SELECT%20pg_sleep(5)' });
      let terminated = 0;
      for (let attempt = 0; attempt < 50 && terminated === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'unavailable-probe' AND query LIKE 'SELECT pg_sleep%'`,
        );
        terminated = rows[0]!.n;
      }
      assert.equal(terminated, 1);
      assertDatabaseUnavailable(await sleeping);
    } finally {
      await admin.end();
    }

    const next = await app.inject({ method: 'GET', url: '/probe' });
    assert.equal(next.statusCode, 200);
  });

  test('when a statement is wrong, then it stays a 500 internal: only connection failures are an outage', async () => {
    const response = await app.inject({ method: 'GET', url: '/probe?sql=SELEC%201' });

    assert.equal(response.statusCode, 500);
    assert.equal(response.json().code, 'internal');
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crashPostgres } from '../src/postgres-crash.js';
import { isRunning } from '../src/processes.js';
import { startScratchPostgres } from '../src/scratch-postgres.js';
import { defer, query } from './helper.js';

async function postmasterPidOf(dataDir: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

describe('crashPostgres: SIGKILL and start again, on the same data folder and port', () => {
  test('when the server is crashed, then connections fail until restart, and committed rows survive it', async (t) => {
    const postgres = await startScratchPostgres('crash');
    defer(t, () => postgres.stop());
    await query(postgres.adminUrl, 'CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (1), (2)');

    const crashed = await crashPostgres(postgres.adminUrl);

    assert.equal(crashed.pid, postgres.pid);
    assert.equal(isRunning(crashed.pid), false);
    await assert.rejects(query(postgres.adminUrl, 'SELECT 1'), /ECONNREFUSED|ENOENT|connect/);
    await crashed.restart();
    assert.deepEqual(await query(postgres.adminUrl, 'SELECT id FROM kept ORDER BY id'), [{ id: 1 }, { id: 2 }]);
    const [row] = await query<{ port: string }>(postgres.adminUrl, 'SHOW port');
    assert.equal(Number(row!.port), postgres.port);
  });

  test('when a restarted server is crashed again and restarted, then the handle still stops the last one', async (t) => {
    const postgres = await startScratchPostgres('crash-twice');
    let isStopped = false;
    defer(t, () => (isStopped ? undefined : postgres.stop()));
    await (await crashPostgres(postgres.adminUrl)).restart();
    const exitHooks = process.listenerCount('exit');
    await query(postgres.adminUrl, 'CREATE TABLE between_crashes (id int)');
    await (await crashPostgres(postgres.adminUrl)).restart();
    // A crashed server's exit hook goes with it: a long chaos run crashes the server many times.
    assert.equal(process.listenerCount('exit'), exitHooks, 'one exit hook per live server');
    const restartedPid = await postmasterPidOf(postgres.dataDir);
    assert.notEqual(restartedPid, postgres.pid);

    await postgres.stop();
    isStopped = true;

    assert.equal(isRunning(restartedPid), false, 'no postmaster is left behind');
  });

  test('when a crashed server is never restarted, then its handle still stops cleanly', async (t) => {
    const postgres = await startScratchPostgres('crash-stay-down');
    let isStopped = false;
    defer(t, () => (isStopped ? undefined : postgres.stop()));
    await crashPostgres(postgres.adminUrl);

    await postgres.stop();
    isStopped = true;
  });

  test('when the server is on another host, then crashPostgres refuses with a message saying so', async () => {
    await assert.rejects(crashPostgres('postgres://postgres:postgres@192.0.2.10:5432/postgres'), /192\.0\.2\.10:5432 is on another host/);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findFreePort } from '../src/free-port.js';
import { startEmbeddedPostgres } from '../src/postgres.js';
import { StartupError } from '../src/startup-error.js';
import { defer, hasTable, makeFolder, query, servedDataDirectory } from './helper.js';

describe('startEmbeddedPostgres: two data folders side by side', () => {
  test('when a second folder starts while the first holds the preferred port, then each runs its own server on its own data', async (t) => {
    const preferredPort = await findFreePort();
    const first = await startEmbeddedPostgres({ dataDir: path.join(await makeFolder(t, 'first'), 'data'), preferredPort });
    defer(t, () => first.stop());

    const second = await startEmbeddedPostgres({ dataDir: path.join(await makeFolder(t, 'second'), 'data'), preferredPort });
    defer(t, () => second.stop());
    await query(first.adminUrl, 'CREATE TABLE only_in_first (id int)');

    assert.equal(first.port, preferredPort);
    assert.notEqual(second.port, first.port);
    assert.equal(await servedDataDirectory(first.adminUrl), first.dataDir);
    assert.equal(await servedDataDirectory(second.adminUrl), second.dataDir);
    assert.equal(await hasTable(first.adminUrl, 'only_in_first'), true);
    assert.equal(await hasTable(second.adminUrl, 'only_in_first'), false);
  });

  test('when the second folder starts again while the preferred port is still taken, then it is back on the port it was given', async (t) => {
    const preferredPort = await findFreePort();
    const first = await startEmbeddedPostgres({ dataDir: path.join(await makeFolder(t, 'first'), 'data'), preferredPort });
    defer(t, () => first.stop());
    const secondDir = path.join(await makeFolder(t, 'second'), 'data');
    const second = await startEmbeddedPostgres({ dataDir: secondDir, preferredPort });
    await second.stop();

    const again = await startEmbeddedPostgres({ dataDir: secondDir, preferredPort });
    defer(t, () => again.stop());

    assert.equal(again.port, second.port);
    assert.equal(await servedDataDirectory(again.adminUrl), again.dataDir);
  });

  test('when the exact port asked for is held by another server, then the start fails with a short message and that server keeps serving', async (t) => {
    const holder = await startEmbeddedPostgres({ dataDir: path.join(await makeFolder(t, 'holder'), 'data') });
    defer(t, () => holder.stop());

    const starting = startEmbeddedPostgres({ dataDir: path.join(await makeFolder(t, 'late'), 'data'), port: holder.port });

    await assert.rejects(starting, (error: Error) => error instanceof StartupError && new RegExp(`port ${holder.port} .* is taken`).test(error.message));
    assert.equal(await servedDataDirectory(holder.adminUrl), holder.dataDir);
  });
});

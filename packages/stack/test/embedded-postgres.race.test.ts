import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findFreePort } from '../src/free-port.js';
import { startEmbeddedPostgres } from '../src/postgres.js';
import { adminUrlOf, holdInProcess, makeFolder, servedDataDirectory, type Hold } from './helper.js';

function asUp(hold: Hold): Extract<Hold, { isUp: true }> {
  assert.ok(hold.isUp, `it came up (it said: ${hold.isUp ? '' : hold.stderr})`);
  return hold;
}

describe('startEmbeddedPostgres: starts at the same moment, each in a process of its own', () => {
  test('when two data folders start at once on one preferred port, then each comes up on its own server', async (t) => {
    const preferredPort = await findFreePort();
    const dataDirs = [path.join(await makeFolder(t, 'a'), 'data'), path.join(await makeFolder(t, 'b'), 'data')];
    // Made and stopped one after the other first, so both remember the same port and reach it together.
    for (const dataDir of dataDirs) await (await startEmbeddedPostgres({ dataDir, preferredPort })).stop();

    const holds = await Promise.all(dataDirs.map((dataDir) => holdInProcess(t, dataDir, preferredPort)));

    const [a, b] = [asUp(holds[0]!), asUp(holds[1]!)];

    assert.notEqual(a.port, b.port);
    assert.equal(await servedDataDirectory(adminUrlOf(a.port)), a.dataDir);
    assert.equal(await servedDataDirectory(adminUrlOf(b.port)), b.dataDir);
    assert.deepEqual([a.servedDataDirectory, b.servedDataDirectory], [a.dataDir, b.dataDir]);
  });

  test('when one data folder is started twice at once, then one comes up and the other stops with a short message', async (t) => {
    const dataDir = path.join(await makeFolder(t, 'twice'), 'data');
    const preferredPort = await findFreePort();

    const holds = await Promise.all([holdInProcess(t, dataDir, preferredPort), holdInProcess(t, dataDir, preferredPort)]);

    const up = holds.filter((hold) => hold.isUp);
    const refused = holds.filter((hold) => !hold.isUp);
    assert.equal(up.length, 1, `exactly one came up: ${JSON.stringify(holds)}`);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.exitCode, 1);
    assert.match(refused[0]!.stderr, /^hold-embedded-postgres: another start is already running PostgreSQL on \S+/);
    assert.doesNotMatch(refused[0]!.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(await servedDataDirectory(adminUrlOf(up[0]!.port)), dataDir);
  });
});

import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedPostgres } from '../src/postgres.js';
import { findInstalledBinaries, programPath, reachableBinaries } from '../src/postgres-binaries.js';
import { findPostgresUser, type PostgresUser } from '../src/postgres-user.js';
import { defer, hasTable, makeFolder, query, servedDataDirectory } from './helper.js';

/** `postgres --version`, run as PostgreSQL's user: what a start needs of the binaries. */
function runVersion(program: string, user: PostgresUser | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['--version'], { ...(user === null ? {} : { uid: user.uid, gid: user.gid }), cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', () => resolve(output));
  });
}

// A clone in `mktemp -d` (mode 700) or under /root: as root, PostgreSQL runs as the postgres user,
// which cannot enter it. Anyone else runs PostgreSQL as themselves, and these hold trivially.
describe('startEmbeddedPostgres: a checkout in a private folder', () => {
  test('when the data folder is inside a private folder, then PostgreSQL starts, and a restart finds the same data', async (t) => {
    const checkout = await makeFolder(t, 'checkout', { isPrivate: true });
    const sharedDir = await makeFolder(t, 'shared');
    const dataDir = path.join(checkout, '.data', 'postgres');
    const first = await startEmbeddedPostgres({ dataDir, sharedDir });
    await query(first.adminUrl, 'CREATE TABLE kept (id int)');
    await first.stop();

    const again = await startEmbeddedPostgres({ dataDir, sharedDir });
    defer(t, () => again.stop());

    assert.equal(again.dataDir, first.dataDir);
    assert.equal(await servedDataDirectory(again.adminUrl), again.dataDir);
    assert.equal(await hasTable(again.adminUrl, 'kept'), true);
    if ((await findPostgresUser()) !== null) assert.ok(again.dataDir.startsWith(`${sharedDir}/`), `as root the cluster is kept under ${sharedDir}: ${again.dataDir}`);
  });

  test('when the binaries are inside a private folder, then PostgreSQL runs from a copy its user can reach', async (t) => {
    const checkout = await makeFolder(t, 'checkout', { isPrivate: true });
    const sharedDir = await makeFolder(t, 'shared');
    const installed = await findInstalledBinaries();
    const privateCopy = { root: path.join(checkout, 'native'), source: 'private-test@1.0.0' };
    await cp(installed.root, privateCopy.root, { recursive: true, verbatimSymlinks: true });
    const user = await findPostgresUser();

    const binaries = await reachableBinaries(privateCopy, user, sharedDir);

    assert.match(await runVersion(programPath(binaries, 'postgres'), user), /^postgres \(PostgreSQL\) \d+/);
    if (user !== null) assert.ok(binaries.root.startsWith(`${sharedDir}/`), `as root the binaries are copied under ${sharedDir}: ${binaries.root}`);
  });
});

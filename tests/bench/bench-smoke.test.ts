import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

/**
 * A benchmark is not a timed test: this runs `npm run bench`'s entry for a few seconds on the test
 * run's PostgreSQL only to prove that every phase runs and the result files are written. It asserts
 * nothing about the numbers, which depend on the machine and on whatever else runs beside it.
 */
describe('npm run bench', () => {
  test('when it runs every phase for a few seconds, then it writes the results as JSON, Markdown and SVG', { timeout: 120_000 }, async (t) => {
    const adminUrl = process.env.TEST_DATABASE_URL;
    if (adminUrl === undefined) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`.');
    const out = await mkdtemp(path.join(tmpdir(), 'orderflow-bench-smoke-'));
    const stopped = new AbortController();
    t.after(async () => {
      stopped.abort();
      await rm(out, { recursive: true, force: true });
    });

    const child = spawn(process.execPath, [path.join(repoRoot, 'bench', 'dist', 'src', 'main.js'), '--smoke', '--database-url', adminUrl, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: stopped.signal,
      killSignal: 'SIGTERM',
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));

    assert.equal(exitCode, 0, output);
    const results = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8'));
    for (const phase of ['unloaded', 'saturation', 'fixedRate', 'logins', 'databaseBound']) {
      assert.equal(typeof results.phases[phase], 'object', `phase ${phase} in latest.json`);
    }
    assert.equal(typeof results.systemToBound, 'number');
    assert.equal(typeof results.postgresLimit, 'object', 'postgresLimit in latest.json');
    assert.deepEqual(results.perRequest.rows.map((row: { process: string }) => row.process), ['gateway', 'order', 'billing', 'notification']);
    const markdown = await readFile(path.join(out, 'latest.md'), 'utf8');
    assert.match(markdown, /^# orderflow benchmark/);
    assert.match(markdown, /\| target \| measured \| goal \|/);
    assert.match(markdown, /^## Per request: the services against bare Fastify$/m);
    const svg = await readFile(path.join(out, 'latest.svg'), 'utf8');
    assert.match(svg, /^<\?xml [^>]*\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
  });
});

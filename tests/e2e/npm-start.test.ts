import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isPortFree, repoRoot, SHARED_DIR } from '@orderflow/stack';
import { randomLogin } from '../support/system.js';

const START = path.join(repoRoot, 'packages', 'stack', 'dist', 'src', 'start.js');

/**
 * npm start's ports: the gateway's and the four after it, all free. Taken below Linux's ephemeral
 * range (32768 and up), so an outgoing connection of another test does not take one meanwhile.
 */
async function findFreePortBlock(): Promise<number> {
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 10_000);
    const ports = [0, 1, 2, 3, 4].map((offset) => first + offset);
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return first;
  }
}

/** `npm start` without npm (which adds its own lines): the process, its output so far, and its exit. */
function runStart(t: TestContext, env: Record<string, string>) {
  const child = spawn(process.execPath, [START], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  t.after(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  const waitFor = async (pattern: RegExp) => {
    while (!lines.some((line) => pattern.test(line))) {
      const hasExited = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 100))]);
      if (hasExited) assert.fail(`exited before printing ${pattern}:\n${lines.join('\n')}`);
    }
  };
  return { child, lines, exited, waitFor };
}

describe('npm start', () => {
  // As in a clone made in `mktemp -d`: a private folder, which as root the postgres user cannot enter.
  test('when its data folder is in a private folder, then it comes up without a warning, a second start is refused in one line, and Ctrl+C stops it', async (t) => {
    const privateFolder = await mkdtemp(path.join(tmpdir(), 'orderflow-npm-start-'));
    t.after(() => rm(privateFolder, { recursive: true, force: true }));
    const gatewayPort = await findFreePortBlock();
    const env = { EMBEDDED_PG_DATA_DIR: path.join(privateFolder, 'postgres'), PORT: String(gatewayPort) };
    const start = runStart(t, env);
    await start.waitFor(/^orderflow is up: /);
    const dataDir = /^Embedded PostgreSQL is up on \S+ \(data in (\S+)\)$/m.exec(start.lines.join('\n'))?.[1];
    if (dataDir?.startsWith(`${SHARED_DIR}/`)) t.after(() => rm(path.dirname(dataDir), { recursive: true, force: true }));

    const login = randomLogin();
    const registered = await fetch(`http://127.0.0.1:${gatewayPort}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password: 'correct horse', email: `${login}@example.com` }),
    });
    const second = runStart(t, { ...env, PORT: String(await findFreePortBlock()) });
    const secondExit = await second.exited;
    start.child.kill('SIGINT');
    const exitCode = await start.exited;

    assert.equal(registered.status, 200);
    assert.deepEqual(start.lines.filter((line) => /warn|deprecat|"level":[456]0/i.test(line)), []);
    assert.equal(secondExit, 1);
    assert.deepEqual(second.lines.filter((line) => line.startsWith('npm start:')).length, 1);
    assert.match(second.lines.join('\n'), /^npm start: another start is already running PostgreSQL on /m);
    assert.doesNotMatch(second.lines.join('\n'), /^\s+at /m, 'no stack trace');
    assert.equal(exitCode, 0);
    assert.ok(start.lines.includes('Stopping…'));
  });
});

import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../src/free-port.js';

const PICKS = 400;

test('when two processes pick free ports one after the other, then no port is handed out twice (each checks it free, and starts its listener only later)', async () => {
  const module = fileURLToPath(new URL('../src/free-port.js', import.meta.url));
  const script = `const { findFreePort } = await import(${JSON.stringify(module)}); const ports = []; for (let i = 0; i < ${PICKS}; i++) ports.push(await findFreePort()); console.log(JSON.stringify(ports));`;
  const theirs: number[] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  const ours: number[] = [];
  for (let i = 0; i < PICKS; i++) ours.push(await findFreePort());

  // Random picks among the 12,000 candidates would share about 13 of them.
  assert.deepEqual(ours.filter((port) => theirs.includes(port)), []);
  assert.equal(new Set([...ours, ...theirs]).size, 2 * PICKS);
});

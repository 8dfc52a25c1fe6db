import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

const SERVICES = ['gateway', 'auth', 'billing', 'order', 'notification'] as const;

const keys = generateKeyPairSync('ed25519');
/** What each process needs to get as far as listening: the keys and the token; the database may be absent. */
const validEnv: Record<string, string> = {
  HOST: '127.0.0.1',
  INTERNAL_TOKEN: 'startup-errors-internal-token',
  // Nothing listens there: a pool warms best effort, so a process still reaches listen.
  DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none',
  IDENTITY_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
  IDENTITY_PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  LOG_LEVEL: 'silent',
};

async function start(service: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'services', service, 'dist', 'src', 'main.js')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  return { code, stderr };
}

function assertOneLineProblem(service: string, result: { code: number | null; stderr: string }, reason: RegExp): void {
  assert.equal(result.code, 1, `${service} exits 1`);
  assert.match(result.stderr, new RegExp(`^${service} could not start: `), result.stderr);
  assert.match(result.stderr, reason, result.stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, `${service} printed a stack trace:\n${result.stderr}`);
}

describe('a start-up problem: a short message and exit 1, never a stack trace', () => {
  let taken: Server;
  let takenPort: number;
  before(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  for (const service of SERVICES) {
    test(`when ${service} is given a bad variable, then it names it in one message and exits 1`, async () => {
      const result = await start(service, { ...validEnv, PORT: 'eighty' });

      assertOneLineProblem(service, result, /PORT/);
    });

    test(`when ${service}'s port is taken, then it says so in one message and exits 1`, async () => {
      const result = await start(service, { ...validEnv, PORT: String(takenPort), METRICS_PORT: '0' });

      assertOneLineProblem(service, result, /EADDRINUSE/);
    });
  }
});

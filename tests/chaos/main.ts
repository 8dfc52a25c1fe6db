import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { findFreePort, repoRoot, startEmbeddedPostgres, startSystem } from '@orderflow/stack';
import { CHAOS_SERVICE_ENV, formatSummary, runChaos } from './chaos.js';

/**
 * `npm run chaos -- --duration 300`: two replicas of every service behind the gateway, users paying
 * and cancelling while processes are SIGKILLed, then the invariants. Exits 1 on any violation.
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    users: { type: 'string', default: '12' },
    'kill-every': { type: 'string', default: '2' },
  },
});

let adminUrl = process.env.DATABASE_URL;
let cleanup = async () => {};
if (adminUrl === undefined) {
  const dir = await mkdtemp(path.join(tmpdir(), 'orderflow-chaos-'));
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: await findFreePort() });
  adminUrl = postgres.adminUrl;
  cleanup = async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

const prefix = `chaos_${randomBytes(3).toString('hex')}`;
const logDir = path.join(repoRoot, 'test-output', 'logs', prefix);
console.log(`booting two replicas of each service (logs in ${path.relative(process.cwd(), logDir)})`);
const system = await startSystem({
  adminUrl,
  databasePrefix: prefix,
  replicas: 2,
  internalToken: randomBytes(24).toString('base64url'),
  logs: { dir: logDir },
  serviceEnv: CHAOS_SERVICE_ENV,
});
try {
  const summary = await runChaos({
    system,
    durationMs: Number(values.duration) * 1000,
    users: Number(values.users),
    killEveryMs: Number(values['kill-every']) * 1000,
    log: (line) => console.log(`[chaos] ${line}`),
  });
  console.log(formatSummary(summary));
  process.exitCode = summary.violations.length === 0 ? 0 : 1;
} finally {
  await system.stop();
  await cleanup();
}

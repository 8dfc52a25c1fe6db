import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { exitOnStartupError, repoRoot, startScratchPostgres, startSystem } from '@orderflow/stack';
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
const failToStart = exitOnStartupError('npm run chaos');
if (adminUrl === undefined) {
  const postgres = await startScratchPostgres('chaos').catch(failToStart);
  adminUrl = postgres.adminUrl;
  cleanup = postgres.stop;
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
}).catch(async (error: unknown) => {
  await cleanup();
  return failToStart(error);
});
// Interrupted, the processes and the server stop and the server's folder goes, as at the end of a run.
const stopOnSignal = () => void system.stop().then(cleanup).finally(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
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

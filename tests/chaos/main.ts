import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { crashPostgres, exitOnStartupError, repoRoot, startScratchPostgres, startSystem } from '@orderflow/stack';
import { CHAOS_SERVICE_ENV, formatSummary, runChaos } from './chaos.js';
import { createFaultNetwork, FAULT_GROUPS, type FaultKind } from './faults.js';

const USAGE = 'usage: npm run chaos -- [--duration SECONDS] [--users N] [--faults all|kills|network|postgres|delay|blackhole|reset|refuse|kill,...]';

/**
 * `npm run chaos -- --duration 300 --faults all`: two replicas of every service behind the gateway, a
 * fault proxy on every link between them, users paying and cancelling while processes are killed,
 * links misbehave and PostgreSQL crashes, then the invariants. Exits 1 on any violation. PostgreSQL is
 * DATABASE_URL's server when set (one on this machine, which the run may crash), else a scratch one.
 */
function readArguments(): { durationMs: number; users: number; kinds: FaultKind[] } {
  const fail = (message: string): never => {
    console.error(`npm run chaos: ${message}\n${USAGE}`);
    process.exit(2);
  };
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ options: { duration: { type: 'string', default: '60' }, users: { type: 'string', default: '12' }, faults: { type: 'string', default: 'all' } } }));
  } catch (error) {
    return fail((error as Error).message);
  }
  const positive = (name: string) => {
    const value = Number(values[name]);
    return Number.isInteger(value) && value > 0 ? value : fail(`--${name} must be a positive whole number, not '${values[name]}'`);
  };
  const kinds = new Set<FaultKind>();
  for (const name of values.faults!.split(',')) {
    const group = FAULT_GROUPS[name.trim()];
    if (group === undefined) fail(`--faults: '${name}' is not a kind of fault`);
    for (const kind of group!) kinds.add(kind);
  }
  return { durationMs: positive('duration') * 1000, users: positive('users'), kinds: [...kinds] };
}

const args = readArguments();
let adminUrl = process.env.DATABASE_URL;
let stopPostgres = async () => {};
const failToStart = exitOnStartupError('npm run chaos');
if (adminUrl === undefined) {
  const postgres = await startScratchPostgres('chaos').catch(failToStart);
  adminUrl = postgres.adminUrl;
  stopPostgres = postgres.stop;
}
const databaseUrl = adminUrl;

const prefix = `chaos_${randomBytes(3).toString('hex')}`;
const logDir = path.join(repoRoot, 'test-output', 'logs', prefix);
console.log(`booting two replicas of each service behind fault proxies (logs in ${path.relative(process.cwd(), logDir)})`);
const network = createFaultNetwork();
const cleanup = async () => {
  await network.close();
  await stopPostgres();
};
const system = await startSystem({
  adminUrl: databaseUrl,
  databasePrefix: prefix,
  replicas: 2,
  internalToken: randomBytes(24).toString('base64url'),
  logs: { dir: logDir },
  serviceEnv: CHAOS_SERVICE_ENV,
  routePeer: network.routePeer,
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
    network,
    crashDatabase: () => crashPostgres(databaseUrl),
    durationMs: args.durationMs,
    users: args.users,
    kinds: args.kinds,
    // Each kind asked for at least once, on a link drawn at random; then any of them.
    plan: args.kinds.map((kind) => ({ kind })),
    timings: { holdMs: 3_000, gapMs: 2_000, delayMs: 400 },
    log: (line) => console.log(`[chaos] ${line}`),
  });
  console.log(formatSummary(summary));
  process.exitCode = summary.violations.length === 0 ? 0 : 1;
} finally {
  await system.stop();
  await cleanup();
}

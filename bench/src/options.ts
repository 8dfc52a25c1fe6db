import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@orderflow/stack';

export interface BenchOptions {
  /** Concurrent users of the saturation phase, connections of the database-bound phase. */
  users: number;
  /** Measured seconds of the saturation, fixed-rate and database-bound phases. */
  durationS: number;
  /** Seconds run before each of those phases is measured: JIT, pools and caches warm up. */
  warmupS: number;
  /** Cycles per second of the fixed-rate phase; half the measured saturation throughput when absent. */
  rate: number | undefined;
  /** Cycles of the unloaded phase. */
  unloadedCycles: number;
  loginClients: number;
  loginDurationS: number;
  /** A PostgreSQL server's admin URL; an embedded server in a temporary folder when absent. */
  databaseUrl: string | undefined;
  outDir: string;
  logLevel: string;
  /** Where each service process writes a V8 CPU profile when it stops (node --cpu-prof). */
  cpuProfDir: string | undefined;
  /** Phase 6: saturation again with tracing on. */
  measureTracing: boolean;
  /** Samples of each part of the unloaded pay's floor (a bare round trip, a bare commit). */
  floorSamples: number;
  /** Seconds of saturation load counted under strace. */
  systemCallsWindowS: number;
  /** Measured seconds of each of the five bare server loads (node:http, Fastify route, proxy; the proxy at two rates). */
  bareDurationS: number;
  /** How the gateway and the services talk: recorded in the report (see environment.ts for why it is not passed yet). */
  transport: Transport;
}

export const TRANSPORTS = ['tcp', 'unix'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const USAGE = `npm run bench [-- options]

Boots the system (embedded PostgreSQL unless --database-url or DATABASE_URL), prepares users, then runs:
unloaded, saturation, fixed rate, logins and database bound. Results go to <out>/latest.{json,md,svg}.

  --users V            concurrent users in the saturation phase, connections in the bound (default 32)
  --duration T         measured seconds of saturation, fixed rate and database bound (default 20)
  --warmup W           unmeasured seconds before each of those (default 3)
  --rate R             cycles per second of the fixed-rate phase (default: half of saturation)
  --unloaded N         cycles of the unloaded phase (default 300)
  --login-clients C    concurrent clients of the logins phase (default 4)
  --login-duration L   seconds of the logins phase (default 10, at most T)
  --database-url URL   admin URL of a PostgreSQL server to use (default: $DATABASE_URL, else embedded)
  --out DIR            where results go (default bench/results)
  --log-level LEVEL    LOG_LEVEL of the services (default info, as they run in production)
  --cpu-prof DIR       each service process writes a V8 CPU profile (.cpuprofile) into DIR
  --floor-samples F    samples of a bare round trip and of a bare commit for the unloaded floor (default 200)
  --syscalls-window S  seconds of saturation load counted under strace (default 5)
  --bare-duration B    measured seconds of each bare server load: node:http, Fastify route, proxy (default 2.5)
  --transport tcp|unix how the gateway and the services talk (default unix, as npm start runs them)
  --no-tracing         skip phase 6 (saturation again with tracing on, for its overhead)
  --smoke              a few seconds of everything, to prove the harness works (explicit flags win)
  --help`;

const SMOKE = { users: '2', duration: '2', warmup: '0', unloaded: '20', 'login-clients': '1', 'login-duration': '1', 'floor-samples': '20', 'syscalls-window': '1', 'bare-duration': '0.5' };

/** Null when --help was asked for. */
export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      users: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rate: { type: 'string' },
      unloaded: { type: 'string' },
      'login-clients': { type: 'string' },
      'login-duration': { type: 'string' },
      'database-url': { type: 'string' },
      out: { type: 'string' },
      'log-level': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'floor-samples': { type: 'string' },
      'syscalls-window': { type: 'string' },
      'bare-duration': { type: 'string' },
      transport: { type: 'string' },
      'no-tracing': { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const given = { ...(values.smoke ? SMOKE : {}), ...values } as Record<string, string | boolean | undefined>;
  const problems: string[] = [];
  const number = (name: string, fallback: number, { min, integer }: { min: number; integer: boolean }): number => {
    const raw = given[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      problems.push(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${String(raw)}`);
      return fallback;
    }
    return value;
  };
  const durationS = number('duration', 20, { min: 1, integer: false });
  const options: BenchOptions = {
    users: number('users', 32, { min: 1, integer: true }),
    durationS,
    warmupS: number('warmup', 3, { min: 0, integer: false }),
    rate: given.rate === undefined ? undefined : number('rate', 1, { min: 0.1, integer: false }),
    unloadedCycles: number('unloaded', 300, { min: 1, integer: true }),
    loginClients: number('login-clients', 4, { min: 1, integer: true }),
    loginDurationS: number('login-duration', Math.min(10, durationS), { min: 0.5, integer: false }),
    databaseUrl: (given['database-url'] as string | undefined) ?? env.DATABASE_URL,
    outDir: path.resolve((given.out as string | undefined) ?? path.join(repoRoot, 'bench', 'results')),
    logLevel: (given['log-level'] as string | undefined) ?? 'info',
    cpuProfDir: given['cpu-prof'] === undefined ? undefined : path.resolve(given['cpu-prof'] as string),
    measureTracing: given['no-tracing'] !== true,
    floorSamples: number('floor-samples', 200, { min: 1, integer: true }),
    systemCallsWindowS: number('syscalls-window', 5, { min: 0.5, integer: false }),
    bareDurationS: number('bare-duration', 2.5, { min: 0.5, integer: false }),
    transport: (given.transport as Transport | undefined) ?? 'unix',
  };
  if (!TRANSPORTS.includes(options.transport)) problems.push(`--transport must be one of ${TRANSPORTS.join(', ')}, got ${options.transport}`);
  if (problems.length > 0) throw new Error(`bad options:\n  ${problems.join('\n  ')}\n\n${USAGE}`);
  return options;
}

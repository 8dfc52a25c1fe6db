import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@orderflow/stack';

export const USAGE = `npm run bench [-- options]

Boots the system on a scratch PostgreSQL and drives its public API through the gateway: newman,
unloaded (+ floor), recording, saturation, system calls, fixed rate, bound (pgbench), logins,
tracing. Writes <out>/latest.{json,md,svg}.

  --users V            concurrent users at saturation, pgbench clients of the bound (default 32)
  --duration T         measured seconds of saturation and fixed rate; the bound gets T/2 per database (default 20)
  --warmup W           unmeasured seconds before each of those (default 3)
  --rate R             cycles per second of the fixed-rate phase (default: half of saturation)
  --unloaded N         cycles of the unloaded phase (default 300)
  --floor-samples F    bare round trips and bare commits for the unloaded pay's floor (default 200)
  --transport tcp|unix how the gateway and the services talk (default unix, as npm start runs them)
  --log-level LEVEL    LOG_LEVEL of the services (default info, as in production)
  --out DIR            where results go (default bench/results)
  --cpu-prof DIR       each service process writes a V8 CPU profile into DIR when it stops
  --no-tracing         skip the tracing phase (saturation again on a second boot with tracing on)
  --smoke              a few seconds of everything, to prove the harness works (explicit flags win)`;

export type BenchOptions = NonNullable<ReturnType<typeof readOptions>>;

const DEFAULTS = { users: 32, durationS: 20, warmupS: 3, unloadedCycles: 300, floorSamples: 200 };
const SMOKE = { users: 4, durationS: 2, warmupS: 0.5, unloadedCycles: 10, floorSamples: 10 };

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}

/** The options, or null when --help was asked for; throws a one-line message on a bad flag. */
export function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      users: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, rate: { type: 'string' },
      unloaded: { type: 'string' }, 'floor-samples': { type: 'string' }, transport: { type: 'string' },
      'log-level': { type: 'string' }, out: { type: 'string' }, 'cpu-prof': { type: 'string' }, 'no-tracing': { type: 'boolean' },
      smoke: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;
  const smoke = values.smoke === true;
  const base = smoke ? SMOKE : DEFAULTS;
  const transport = values.transport ?? 'unix';
  if (transport !== 'tcp' && transport !== 'unix') throw new Error(`--transport must be tcp or unix, got "${transport}"`);
  return {
    users: Math.round(positive('users', values.users, base.users)),
    durationS: positive('duration', values.duration, base.durationS),
    warmupS: values.warmup === '0' ? 0 : positive('warmup', values.warmup, base.warmupS),
    rate: values.rate === undefined ? undefined : positive('rate', values.rate, 0),
    unloadedCycles: Math.round(positive('unloaded', values.unloaded, base.unloadedCycles)),
    floorSamples: Math.round(positive('floor-samples', values['floor-samples'], base.floorSamples)),
    transport: transport as 'tcp' | 'unix',
    logLevel: values['log-level'] ?? 'info',
    outDir: path.resolve(values.out ?? path.join(repoRoot, 'bench', 'results')),
    measureTracing: values['no-tracing'] !== true,
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : path.resolve(values['cpu-prof']),
    smoke,
  };
}

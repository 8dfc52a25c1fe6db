import { readTopStatements, resetStatementStats } from './statements.js';
import { compareTracing, startTraceSink, type TracingOverheadResult } from './phases/tracing-overhead.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exitOnStartupError, repoRoot } from '@orderflow/stack';
import { createCpuProbe } from './cpu.js';
import { readCommits, startBenchEnvironment, type BenchEnvironment } from './environment.js';
import { createGatewayClient, type BenchUser, type GatewayClient } from './gateway-client.js';
import { renderMarkdown } from './markdown-report.js';
import type { Probes } from './measurement-window.js';
import { readOptions, USAGE, type BenchOptions } from './options.js';
import { runDatabaseBoundPhase } from './phases/database-bound.js';
import { runFixedRatePhase } from './phases/fixed-rate.js';
import { runLoginsPhase } from './phases/logins.js';
import { describePostgresLimit, runPostgresLimitPhase } from './phases/postgres-limit.js';
import { runSaturationPhase } from './phases/saturation.js';
import { runUnloadedPhase } from './phases/unloaded.js';
import { runSystemCallsPhase } from './phases/system-calls.js';
import { runBareFastifyPhase } from './phases/bare-fastify.js';
import { comparePerRequest, saturationRates } from './per-request-comparison.js';
import { describePerRequest } from './markdown-per-request-section.js';
import { startBackgroundLoad } from './bare/system-background-load.js';
import { measureUnloadedFloor } from './floor/unloaded-floor.js';
import { runNewmanPhase } from './phases/newman-runs.js';
import { startProgress } from './progress.js';
import { createTeardown } from './teardown.js';
import { evaluateTargets, formatMs, formatNumber, type BenchResults } from './results.js';
import { renderSvgChart } from './svg-chart.js';

/** Unmeasured cycles before the unloaded phase counts: JIT and first connections. */
const UNLOADED_WARMUP_CYCLES = 20;
/** Registrations hash a password each (argon2id, ~20 ms of CPU): a few at a time is all auth can use. */
const PREPARE_CONCURRENCY = 4;

async function prepareUsers(client: GatewayClient, count: number, prefix: string): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  let next = 0;
  const progress = startProgress('preparing users', () => `${users.length}/${count} registered, logged in and topped up`);
  try {
    await Promise.all(
      Array.from({ length: Math.min(PREPARE_CONCURRENCY, count) }, async () => {
        while (next < count) users.push(await client.prepareUser(`${prefix}_${next++}`));
      }),
    );
  } finally {
    progress.stop();
  }
  return users;
}

function describeCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const isDirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
    return isDirty ? `${commit} with uncommitted changes` : commit;
  } catch {
    return 'unknown';
  }
}

function describePostgres(environment: BenchEnvironment): string {
  if (environment.postgres.isEmbedded) return 'embedded, this machine';
  if (environment.postgres.postmasterPid !== null) return 'DATABASE_URL, this machine';
  return 'DATABASE_URL on another machine: its CPU is not measured';
}

async function writeAtomically(file: string, content: string): Promise<void> {
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}

async function runBench(options: BenchOptions, environment: BenchEnvironment): Promise<BenchResults> {
  const maxOutstanding = Math.max(256, 4 * options.users);
  const client = createGatewayClient(environment.system.gatewayUrl, maxOutstanding);
  try {
    // Before anything else touches the system, as a user's first check after a deploy.
    console.log('0 newman: the seed\'s Postman collection right after boot, then twice again');
    const newman = await runNewmanPhase(environment.system.gatewayUrl);
    console.log(`    average per request: first ${formatMs(newman.first.averageMs)} ms, warm ${newman.warm.map((run) => formatMs(run.averageMs)).join(' and ')} ms`);
    const prefix = `bench_${randomBytes(3).toString('hex')}`;
    const users = await prepareUsers(client, options.users + options.loginClients, prefix);
    const flowUsers = users.slice(0, options.users);
    const loginUsers = users.slice(options.users);

    const pids = Object.fromEntries(environment.system.processes.map((p) => [p.service, p.child?.pid]));
    const cores = os.availableParallelism();
    const probes: Probes = {
      cpu: createCpuProbe(pids, environment.postgres.postmasterPid, cores),
      readCommits: () => readCommits(environment.admin, Object.values(environment.databaseNames)),
    };

    const phases = options.measureTracing ? 6 : 5;
    console.log(`1/${phases} unloaded: 1 user, ${options.unloadedCycles} cycles`);
    const unloaded = await runUnloadedPhase(client, flowUsers[0]!, options.unloadedCycles, options.warmupS > 0 ? UNLOADED_WARMUP_CYCLES : 0);
    console.log(`    floor: ${options.floorSamples} bare node:http round trips and ${options.floorSamples} bare commits, 10 ms apart`);
    const floor = await measureUnloadedFloor({
      admin: environment.admin,
      adminUrl: environment.adminUrl,
      samples: options.floorSamples,
      unloadedPayP50Ms: unloaded.latencyFromSend.pay?.p50 ?? 0,
    });
    console.log(
      `    pay p50 ${formatMs(floor.unloadedPayP50Ms)} ms ÷ floor ${formatMs(floor.floorMs)} ms = ${floor.payToFloor.toFixed(2)} ` +
        `(${floor.httpExchanges} × ${formatMs(floor.httpRoundTrip.p50)} ms round trip + ${floor.sequentialCommits} × ${formatMs(floor.commit.p50)} ms commit)`,
    );
    console.log(`2/${phases} saturation: ${options.users} users, closed loop, ${options.warmupS} s warmup + ${options.durationS} s`);
    const hasStatementStats = await resetStatementStats(environment.admin);
    const saturation = await runSaturationPhase(client, flowUsers, options, probes);
    const statements = hasStatementStats ? await readTopStatements(environment.admin, Object.values(environment.databaseNames)) : undefined;
    console.log(`    ${formatNumber(saturation.paidPerSecond)} paid orders/s, ${formatNumber(saturation.requestsPerSecond)} requests/s`);
    console.log(`    system calls: the same ${options.users} users for ${options.systemCallsWindowS} s with strace -c -f on every process`);
    const systemCalls = await runSystemCallsPhase(client, flowUsers, { windowS: options.systemCallsWindowS, pids, postmasterPid: environment.postgres.postmasterPid });
    if (systemCalls.skipped === undefined) {
      const perProcess = Object.entries(systemCalls.byProcess).map(([name, p]) => `${name} ${p.callsPerPaidOrder.toFixed(0)}/${p.writesPerPaidOrder.toFixed(0)}`);
      console.log(`    system calls/writes per paid order: ${perProcess.join(', ')} (${systemCalls.paid} paid under strace)`);
    }
    console.log(`    bare Fastify: node:http, a bare route and a bare proxy at ${options.users} requests in flight, then the proxy at the saturation's rates beside the saturation's load, ${options.bareDurationS} s each`);
    const bare = await runBareFastifyPhase({
      transport: options.transport,
      concurrency: options.users,
      warmupS: options.warmupS,
      durationS: options.bareDurationS,
      rates: saturationRates(saturation),
      startBackground: () => startBackgroundLoad(client, flowUsers),
      logLevel: options.logLevel,
      cpuProfDir: options.cpuProfDir,
    });
    const perRequest = comparePerRequest(saturation, bare);
    console.log(`    ${describePerRequest(perRequest)}`);
    const rate = options.rate ?? Math.max(1, saturation.paidPerSecond / 2);
    console.log(`3/${phases} fixed rate: ${formatNumber(rate)} cycles/s, open loop, ${options.warmupS} s warmup + ${options.durationS} s`);
    const fixedRate = await runFixedRatePhase(client, flowUsers, { rate, warmupS: options.warmupS, durationS: options.durationS, maxOutstanding }, probes);
    console.log(`4/${phases} logins: ${options.loginClients} clients, ${options.loginDurationS} s`);
    const logins = await runLoginsPhase(client, loginUsers, options.loginDurationS);
    console.log(`5/${phases} database bound: the flow's SQL on ${options.users} connections, ${options.warmupS} s warmup + ${options.durationS} s`);
    const databaseBound = await runDatabaseBoundPhase(
      environment.system.databaseUrls,
      { connections: options.users, warmupS: options.warmupS, durationS: options.durationS },
      probes,
    );
    const secondsPerDatabase = Math.max(1, Math.round(options.durationS / 2));
    console.log(`    PostgreSQL's own limit: pgbench -M prepared -c ${options.users}, each database's share of a paid order alone for ${secondsPerDatabase} s`);
    const postgresLimit = await runPostgresLimitPhase(environment.system.databaseUrls, { clients: options.users, threads: cores, secondsPerDatabase, systemPaidPerSecond: saturation.paidPerSecond }, probes.cpu);
    console.log(`    ${describePostgresLimit(postgresLimit, saturation.paidPerSecond)}`);

    const partial: Omit<BenchResults, 'targets'> = {
      generatedAt: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      machine: {
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
        cores,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: environment.postgres.version,
        postgresLocation: describePostgres(environment),
        commit: describeCommit(),
      },
      settings: {
        users: options.users,
        durationS: options.durationS,
        warmupS: options.warmupS,
        rate,
        rateSource: options.rate === undefined ? 'half of saturation' : '--rate',
        unloadedCycles: options.unloadedCycles,
        loginClients: options.loginClients,
        loginDurationS: options.loginDurationS,
        logLevel: options.logLevel,
        transport: options.transport,
      },
      phases: { unloaded, saturation, fixedRate, logins, databaseBound },
      floor,
      newman,
      systemCalls,
      perRequest,
      statements,
      systemToBound: databaseBound.paidPerSecond > 0 ? saturation.paidPerSecond / databaseBound.paidPerSecond : 0,
      postgresLimit,
      systemToPostgresLimit: postgresLimit.paidPerSecond > 0 ? saturation.paidPerSecond / postgresLimit.paidPerSecond : null,
    };
    return { ...partial, targets: evaluateTargets(partial) };
  } finally {
    await client.close();
  }
}

/** The system, or a short message why it could not boot (and whatever did start, stopped). */
function bootOrExit(...[environment, teardown]: Parameters<typeof startBenchEnvironment>): Promise<BenchEnvironment> {
  return startBenchEnvironment(environment, teardown).catch(async (error: unknown) => {
    await teardown.run();
    return exitOnStartupError('npm run bench')(error);
  });
}

/** Phase 6, on its own boot of the system so that phases 1 to 5 ran with tracing off. */
async function measureTracingOverhead(options: BenchOptions, results: BenchResults, logsDir: string) {
  const sink = await startTraceSink();
  const teardown = createTeardown();
  let comparison: TracingOverheadResult | undefined;
  try {
    console.log(`6/6 tracing overhead: the system booted again with tracing on; saturation, ${options.warmupS} s warmup + ${options.durationS} s`);
    const environment = await bootOrExit(
      { databaseUrl: options.databaseUrl, logsDir: path.join(logsDir, 'tracing'), logLevel: options.logLevel, transport: options.transport, env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
      teardown,
    );
    const client = createGatewayClient(environment.system.gatewayUrl, Math.max(256, 4 * options.users));
    teardown.add(() => client.close());
    const users = await prepareUsers(client, options.users, `bench_${randomBytes(3).toString('hex')}`);
    const pids = Object.fromEntries(environment.system.processes.map((p) => [p.service, p.child?.pid]));
    const probes: Probes = {
      cpu: createCpuProbe(pids, environment.postgres.postmasterPid, os.availableParallelism()),
      readCommits: () => readCommits(environment.admin, Object.values(environment.databaseNames)),
    };
    const traced = await runSaturationPhase(client, users, options, probes);
    comparison = compareTracing(
      { paidPerSecond: results.phases.saturation.paidPerSecond, payP50: results.phases.saturation.latencyFromSend.pay?.p50 ?? 0 },
      { paidPerSecond: traced.paidPerSecond, payP50: traced.latencyFromSend.pay?.p50 ?? 0 },
    );
    console.log(`    ${formatNumber(traced.paidPerSecond)} paid orders/s with tracing on (${(100 * comparison.throughputCost).toFixed(0)} % fewer)`);
  } finally {
    // Stopping the services flushes the spans they still hold to the sink.
    await teardown.run();
    await sink.close();
  }
  if (comparison === undefined || sink.spansReceived() === 0) throw new Error('tracing was on but no span reached the sink');
  return comparison;
}

async function main(): Promise<number> {
  let options: BenchOptions | null;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }

  const [loadAverage = 0] = os.loadavg();
  if (loadAverage > 0.5) {
    console.log(`Note: the machine is already busy (load average ${loadAverage.toFixed(2)}); the system shares the cores with that work.`);
  }
  await mkdir(options.outDir, { recursive: true });
  const logsDir = path.join(options.outDir, 'logs.tmp');
  await rm(logsDir, { recursive: true, force: true });
  const teardown = createTeardown();
  const stopOnSignal = () => {
    console.log('Interrupted: stopping the system.');
    void teardown.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  console.log(`Booting the system (${options.databaseUrl === undefined ? 'embedded PostgreSQL' : 'PostgreSQL at the given URL'}); service logs in ${path.relative(process.cwd(), logsDir) || logsDir}`);
  let results: BenchResults;
  try {
    const environment = await bootOrExit({ databaseUrl: options.databaseUrl, logsDir, logLevel: options.logLevel, cpuProfDir: options.cpuProfDir, transport: options.transport }, teardown);
    results = await runBench(options, environment);
  } finally {
    await teardown.run();
  }
  if (options.measureTracing) results.tracing = await measureTracingOverhead(options, results, logsDir);

  const files = { json: path.join(options.outDir, 'latest.json'), markdown: path.join(options.outDir, 'latest.md'), svg: path.join(options.outDir, 'latest.svg') };
  const markdown = renderMarkdown(results);
  await writeAtomically(files.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeAtomically(files.markdown, markdown);
  await writeAtomically(files.svg, renderSvgChart(results));
  console.log(`\n${markdown}`);
  console.log(`Written: ${Object.values(files).map((file) => path.relative(process.cwd(), file) || file).join(', ')}`);
  return 0;
}

process.exitCode = await main();

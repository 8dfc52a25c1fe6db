import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exitOnStartupError, repoRoot } from '@orderflow/stack';
import { runBound, writeScript } from './bound.js';
import { createGatewayClient, type BenchUser, type GatewayClient } from './client.js';
import { measureFloor } from './floor.js';
import { runClosedLoop, runLogins, runOpenLoop, runUnloaded, type PhaseResult } from './load.js';
import { runCollection } from './newman.js';
import { countSystemCalls } from './system-calls.js';
import { readOptions, USAGE, type BenchOptions } from './options.js';
import { recordCycles } from './recording.js';
import { errorCount, evaluateTargets, renderChart, renderMarkdown, type BenchResults } from './report.js';
import { bootSystem, type SystemUnderTest } from './system-under-test.js';

const UNLOADED_WARMUP_CYCLES = 20;
const RECORDED_CYCLES_PER_USER = 4;
/** Registrations and logins hash a password each (argon2id): a few at a time is all auth can use on 2 cores. */
const PASSWORD_CLIENTS = 4;
/** Long enough for a steady rate of logins, short beside the order flow's phases. */
const MAX_LOGINS_S = 5;
/** Cycles in flight at most (the fixed rate drops one due beyond that), each on a gateway connection of its own. */
const maxInFlight = (options: BenchOptions) => Math.max(256, 4 * options.users);

async function prepareUsers(client: GatewayClient, count: number): Promise<BenchUser[]> {
  const prefix = `bench_${randomBytes(3).toString('hex')}`;
  const users: BenchUser[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: PASSWORD_CLIENTS }, async () => {
    while (next < count) users.push(await client.prepareUser(`${prefix}_${next++}`));
  }));
  return users;
}

function describeCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() === '' ? commit : `${commit} with uncommitted changes`;
  } catch {
    return 'unknown';
  }
}

/** Whether a program from Debian's packages runs (.ci/run installs them). */
function runs(program: string, args: string[]): boolean {
  try {
    return (execFileSync(program, args, { stdio: 'ignore' }), true);
  } catch {
    return false;
  }
}

async function runBench(options: BenchOptions, sut: SystemUnderTest, scriptDir: string): Promise<Omit<BenchResults, 'targets' | 'tracing'>> {
  const client = createGatewayClient(sut.system.gatewayUrl, maxInFlight(options));
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  try {
    log('newman: the seed\'s Postman collection right after boot, then twice again');
    const newman = { first: await runCollection(sut.system.gatewayUrl), warm: [await runCollection(sut.system.gatewayUrl), await runCollection(sut.system.gatewayUrl)] };
    const users = await prepareUsers(client, options.users);
    log(`unloaded: 1 user, ${options.unloadedCycles} cycles; then the floor`);
    const unloaded = await runUnloaded(client, users[0]!, options.warmupS > 0 ? UNLOADED_WARMUP_CYCLES : 0, options.unloadedCycles, sut);
    const floor = await measureFloor(sut.adminUrl, options.floorSamples, unloaded.latency.pay?.p50 ?? 0);
    log(`recording: ${2 * RECORDED_CYCLES_PER_USER} cycles of 2 users with log_statement = all`);
    const recorded = await recordCycles(sut, client, [users[0]!, users[1 % users.length]!], RECORDED_CYCLES_PER_USER);
    const scripts = await Promise.all([...recorded].map(([service, cycles]) => writeScript(service, cycles, sut.system.databaseUrls[service])));
    log(`saturation: ${options.users} users, closed loop, ${options.warmupS} s + ${options.durationS} s`);
    await sut.resetStatements();
    const saturation = await runClosedLoop(client, users, options, sut);
    const statements = await sut.topStatements();
    const straceS = options.smoke ? 1 : 5;
    log(`system calls: the same users for ${straceS} s with strace -c -f on every process`);
    const systemCalls = runs('strace', ['-V'])
      ? await countSystemCalls(sut.pids, sut.postmasterPid, scriptDir, async () => (await runClosedLoop(client, users, { warmupS: 0, durationS: straceS }, sut)).allPaid)
      : (log('    strace is missing (Debian package strace): system calls are left out'), null);
    const rate = options.rate ?? Math.max(1, saturation.paidPerSecond / 2);
    log(`fixed rate: ${rate.toFixed(0)} cycles/s (saturation paid ${saturation.paidPerSecond.toFixed(0)}/s), open loop`);
    const fixedRate = await runOpenLoop(client, users, { rate, warmupS: options.warmupS, durationS: options.durationS, maxInFlight: maxInFlight(options) }, sut);
    const secondsPerDatabase = Math.max(1, Math.round(options.durationS / 2));
    log(`bound: pgbench -M prepared -c ${options.users}, each database's share alone for ${secondsPerDatabase} s`);
    const bound = await runBound(sut, scripts, { userIds: users.map((u) => u.userId), threads: os.availableParallelism(), secondsPerDatabase, scriptDir });
    const loginsS = Math.min(options.durationS / 2, MAX_LOGINS_S);
    log(`logins: ${PASSWORD_CLIENTS} clients logging their users in again and again for ${loginsS} s`);
    const logins = await runLogins(client, users.slice(0, PASSWORD_CLIENTS), loginsS);
    return {
      generatedAt: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      machine: { cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU', cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: sut.postgresVersion, commit: describeCommit() },
      settings: { users: options.users, durationS: options.durationS, warmupS: options.warmupS, rate, unloadedCycles: options.unloadedCycles, transport: options.transport, logLevel: options.logLevel },
      newman, phases: { unloaded, saturation, fixedRate }, floor, bound, logins, systemCalls, statements, systemToBound: saturation.paidPerSecond / bound.paidPerSecond,
    };
  } finally {
    await client.close();
  }
}

/** Saturation again on a second boot with OpenTelemetry on, spans exported to a sink that drops them. */
async function measureTracing(options: BenchOptions, logsDir: string, saturation: PhaseResult): Promise<BenchResults['tracing']> {
  let exports = 0;
  const sink = createServer((request, response) => request.resume().on('end', () => (exports++, response.end('{}'))));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const sut = await bootSystem(options, logsDir, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).catch(exitOnStartupError('npm run bench'));
  const client = createGatewayClient(sut.system.gatewayUrl, maxInFlight(options));
  let traced: PhaseResult;
  try {
    traced = await runClosedLoop(client, await prepareUsers(client, options.users), options, sut);
  } finally {
    await client.close();
    // Stopping the services flushes the spans they still hold.
    await sut.stop();
    sink.closeAllConnections();
    sink.close();
  }
  if (exports === 0) throw new Error('tracing was on but no span reached the sink');
  if (errorCount(traced) > 0) throw new Error(`errors with tracing on: ${JSON.stringify(traced.errors)}`);
  return { paidPerSecondOn: traced.paidPerSecond, payP50OnMs: traced.latency.pay?.p50 ?? 0, throughputCost: 1 - traced.paidPerSecond / saturation.paidPerSecond };
}

async function main(): Promise<number> {
  let options: BenchOptions | null;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (options === null) return (console.log(USAGE), 0);
  if (!runs('pgbench', ['--version'])) return (console.error('npm run bench: pgbench is missing; install Debian\'s postgresql-contrib (as .ci/run does)'), 1);
  const [load = 0] = os.loadavg();
  if (load > 0.5) console.log(`Note: the machine is already busy (load average ${load.toFixed(2)}); the system shares the cores with that work.`);
  const logsDir = path.join(options.outDir, 'logs.tmp');
  await rm(logsDir, { recursive: true, force: true });
  await mkdir(logsDir, { recursive: true });
  const scriptDir = path.join(logsDir, 'pgbench');
  await mkdir(scriptDir);
  console.log(`Booting the system on a scratch PostgreSQL; service logs in ${path.relative(process.cwd(), logsDir)}`);
  const sut = await bootSystem(options, logsDir).catch(exitOnStartupError('npm run bench'));
  const stop = () => void sut.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  let measured;
  try {
    measured = await runBench(options, sut, scriptDir);
  } finally {
    await sut.stop();
  }
  if (options.measureTracing) console.log(`tracing: a second boot with tracing on; saturation, ${options.warmupS} s + ${options.durationS} s`);
  const tracing = options.measureTracing ? await measureTracing(options, path.join(logsDir, 'tracing'), measured.phases.saturation) : null;
  const results: BenchResults = { ...measured, tracing, targets: evaluateTargets({ ...measured, tracing }) };
  const markdown = renderMarkdown(results);
  const files: [string, string][] = [['latest.json', `${JSON.stringify(results, null, 2)}\n`], ['latest.md', markdown], ['latest.svg', await renderChart(results)]];
  for (const [name, content] of files) {
    await writeFile(path.join(options.outDir, `${name}.tmp`), content);
    await rename(path.join(options.outDir, `${name}.tmp`), path.join(options.outDir, name));
  }
  console.log(`\n${markdown}\nWritten: ${files.map(([name]) => path.join(path.relative(process.cwd(), options.outDir), name)).join(', ')}`);
  return 0;
}

process.exitCode = await main();

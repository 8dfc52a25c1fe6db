import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { SERVICES } from '@orderflow/stack';
import type { BoundResult } from './bound.js';
import type { FloorResult } from './floor.js';
import type { LoginsResult, PhaseResult } from './load.js';
import type { NewmanRun } from './newman.js';
import type { SystemCalls } from './system-calls.js';
import type { TopStatement } from './system-under-test.js';

export interface BenchResults {
  generatedAt: string;
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; postgres: string; commit: string };
  settings: { users: number; durationS: number; warmupS: number; rate: number; unloadedCycles: number; transport: string; logLevel: string };
  newman: { first: NewmanRun; warm: NewmanRun[] };
  phases: { unloaded: PhaseResult; saturation: PhaseResult; fixedRate: PhaseResult };
  floor: FloorResult;
  bound: BoundResult;
  logins: LoginsResult;
  systemCalls: SystemCalls | null;
  statements: TopStatement[];
  systemToBound: number;
  tracing: { paidPerSecondOn: number; payP50OnMs: number; throughputCost: number } | null;
  targets: { target: string; measured: string; goal: string; met: boolean | null }[];
}

const SERVICE_PROCESSES = ['gateway', ...SERVICES];

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const num = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1));
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
/** Columns of numbers align right, the rest left. */
const table = (head: string[], rows: (string | number)[][]) => {
  const isNumeric = (i: number) => rows.every((cells) => /^(\*\*)?[\d.,]*( %.*)?$/.test(String(cells[i])));
  return [row(head), row(head.map((_, i) => (i > 0 && isNumeric(i) ? '---:' : '---'))), ...rows.map(row)].join('\n');
};
const sumOf = (calls: SystemCalls, key: 'calls' | 'writes') => Object.values(calls.byProcess).reduce((sum, p) => sum + p[key], 0);
export const errorCount = (phase: { errors: Record<string, number> }) => Object.values(phase.errors).reduce((sum, n) => sum + n, 0);

/** CPU ms per paid order of each process, the services together, and PostgreSQL. */
export function cpuPerPaidOrder(phase: PhaseResult): Record<string, number> {
  const per = Object.fromEntries(Object.entries(phase.window.cpuMs).map(([name, cpuMs]) => [name, phase.paid > 0 ? cpuMs / phase.paid : 0]));
  per.services = SERVICE_PROCESSES.reduce((sum, name) => sum + (per[name] ?? 0), 0);
  return per;
}

export function evaluateTargets(r: Omit<BenchResults, 'targets'>): BenchResults['targets'] {
  const { unloaded, saturation, fixedRate } = r.phases;
  const cpu = cpuPerPaidOrder(saturation);
  const payP99 = fixedRate.latencyFromSchedule?.pay?.p99 ?? 0;
  const warm = Math.max(...r.newman.warm.map((run) => run.averageMs));
  const errors = [unloaded, saturation, fixedRate].map(errorCount);
  return [
    { target: 'errors (unloaded · saturation · fixed rate)', measured: errors.join(' · '), goal: '0', met: errors.every((n) => n === 0) },
    { target: `saturation ÷ bound (pgbench replaying the recorded statements), V = ${r.settings.users}`, measured: `${r.systemToBound.toFixed(2)} (${num(saturation.paidPerSecond)} ÷ ${num(r.bound.paidPerSecond)} paid orders/s)`, goal: '≥ 0.7', met: r.systemToBound >= 0.7 },
    { target: 'saturation: CPU of all services per paid order ÷ PostgreSQL\'s', measured: `${(cpu.services! / cpu.postgres!).toFixed(2)} (${ms(cpu.services!)} ÷ ${ms(cpu.postgres!)} ms)`, goal: '≤ 1', met: cpu.services! <= cpu.postgres! },
    { target: `fixed rate ${num(r.settings.rate)}/s: pay p99 from the scheduled start`, measured: `${ms(payP99)} ms`, goal: '≤ 25 ms', met: payP99 <= 25 },
    { target: `unloaded: pay p50 ÷ its floor (${r.floor.httpExchanges} bare round trips + ${r.floor.sequentialCommits} bare commits)`, measured: `${r.floor.payToFloor.toFixed(2)} (${ms(r.floor.payP50Ms)} ÷ ${ms(r.floor.floorMs)} ms)`, goal: '≤ 1.25', met: r.floor.payToFloor <= 1.25 },
    { target: 'newman right after boot: average per request (first run · warm)', measured: `${ms(r.newman.first.averageMs)} · ${ms(warm)} ms`, goal: '≤ 20 ms · ≤ 10 ms', met: r.newman.first.averageMs <= 20 && warm <= 10 },
    { target: 'tracing on: throughput lost at saturation', measured: r.tracing === null ? 'not measured (--no-tracing)' : `${(100 * r.tracing.throughputCost).toFixed(0)} %`, goal: 'reported', met: null },
  ];
}

export function renderMarkdown(r: BenchResults): string {
  const { unloaded, saturation, fixedRate } = r.phases;
  const phases: [string, PhaseResult][] = [['unloaded (1 user, one cycle at a time)', unloaded], [`saturation (${r.settings.users} users, closed loop)`, saturation], [`fixed rate (${num(r.settings.rate)} cycles/s due, open loop)`, fixedRate]];
  const latencyRows: (string | number)[][] = [];
  for (const [name, latency] of [['unloaded', unloaded.latency], ['saturation', saturation.latency], ['fixed rate, from schedule', fixedRate.latencyFromSchedule ?? {}], ['fixed rate, from send', fixedRate.latency]] as const) {
    for (const [step, p] of Object.entries(latency)) latencyRows.push([name, step, ms(p.p50), ms(p.p95), ms(p.p99), ms(p.max), p.n.toLocaleString('en-US')]);
  }
  const processes = [...SERVICE_PROCESSES, 'postgres', 'load generator', 'other processes'];
  const costRow = (name: string, phase: PhaseResult) => {
    const cpu = cpuPerPaidOrder(phase);
    return [name, ...processes.map((p) => ms(cpu[p] ?? 0)), `**${ms(cpu.services!)}**`, `${phase.window.machineBusyPercent.toFixed(0)} % of ${r.machine.cores}`, (phase.window.commits / phase.paid).toFixed(1), (phase.window.rowsWritten / phase.paid).toFixed(1)];
  };
  const b = r.bound;
  return `# orderflow benchmark

${r.generatedAt} · commit ${r.machine.commit} · ${r.machine.cpuModel} × ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB · Node ${r.machine.node} · PostgreSQL ${r.machine.postgres} (embedded scratch server; fsync and synchronous_commit on)

V = ${r.settings.users} users, T = ${r.settings.durationS} s measured after ${r.settings.warmupS} s of warmup, fixed rate ${num(r.settings.rate)} cycles/s, unloaded ${r.settings.unloadedCycles} cycles, services at LOG_LEVEL=${r.settings.logLevel}, gateway and services over ${r.settings.transport === 'unix' ? 'Unix domain sockets' : 'TCP'}. A cycle is one user's create order → pay → read balance → read letters, through the gateway's public API.

## Targets

${table(['target', 'measured', 'goal', ''], r.targets.map((t) => [t.target, t.measured, t.goal, t.met === null ? '—' : t.met ? '✅' : '❌']))}

## Throughput

${table(['phase', 'paid orders/s', 'requests/s', 'cycles', 'declined', 'errors'], phases.map(([name, p]) => [name, num(p.paidPerSecond), num(p.requestsPerSecond), p.cycles.toLocaleString('en-US'), p.declined, errorCount(p)]))}

## Latency (ms)

At saturation latency is throughput in disguise; read it at the fixed rate, where "from schedule" charges each step with every delay since its cycle was due.

${table(['phase', 'step', 'p50', 'p95', 'p99', 'max', 'n'], latencyRows)}

## Floor of the unloaded pay

${r.floor.httpExchanges} × a bare node:http round trip (${ms(r.floor.roundTripP50Ms)} ms p50) + ${r.floor.sequentialCommits} × a bare autocommitted UPDATE (${ms(r.floor.commitP50Ms)} ms p50), measured at idle 10 ms apart = **${ms(r.floor.floorMs)} ms**. Unloaded pay p50 ${ms(r.floor.payP50Ms)} ms ÷ floor = **${r.floor.payToFloor.toFixed(2)}**.

## The bound: the same statements without HTTP (pgbench)

The statements the services sent for one paid order, recorded from PostgreSQL's own log during real cycles and replayed by ${b.pgbench} with \`-n -M prepared -c ${b.clients}\`, one client per user, each database's share alone for ${b.secondsPerDatabase} s. Bound = 1 ÷ Σ (1 ÷ tps). Left out: ${b.leftOutPerCycle.toFixed(2)} statements per recorded cycle that are not in every cycle (batched delivered marks, the gateway's session lookups, the delivery loop).

${table(['database', 'statements', 'tps (shares/s)', 'runs', 'PostgreSQL CPU ms per run', 'commits per run', 'rows written per run', 'machine busy'], b.shares.map((s) => [s.service, s.statements, num(s.tps), s.runs.toLocaleString('en-US'), ms(s.postgresCpuMsPerRun), s.commitsPerRun.toFixed(1), s.rowsWrittenPerRun.toFixed(1), `${s.machineBusyPercent.toFixed(0)} %`]))}
| **a paid order** | ${b.statementsPerPaidOrder} | **${num(b.paidPerSecond)}** paid orders/s | | ${ms(b.postgresCpuMsPerPaidOrder)} | ${b.commitsPerPaidOrder.toFixed(1)} | ${b.rowsWrittenPerPaidOrder.toFixed(1)} | |

**System ${num(saturation.paidPerSecond)} ÷ bound ${num(b.paidPerSecond)} paid orders/s = ${r.systemToBound.toFixed(2)}.**

## Cost per paid order

CPU ms per paid order over the measured window ("other processes": whatever else ran on the machine), the machine's busy share, commits and rows written per paid order (pg_stat_database's xact_commit, read-only transactions included, and tup_inserted + tup_updated + tup_deleted of the four databases). The bound writing fewer rows than the system is the part it leaves out (the delivered marks); far fewer would mean its scripts miss the system's rows.

${table(['phase', ...processes, 'services', 'machine busy', 'commits', 'rows written'], [costRow('saturation', saturation), costRow('fixed rate', fixedRate)])}
| bound (pgbench) | | | | | | ${ms(b.postgresCpuMsPerPaidOrder)} | | | | | ${b.commitsPerPaidOrder.toFixed(1)} | ${b.rowsWrittenPerPaidOrder.toFixed(1)} |

## PostgreSQL statements at saturation

From pg_stat_statements over the saturation phase (warmup included), the costliest by total execution time.

${table(['statement', 'database', 'calls', 'mean (ms)', 'share'], r.statements.map((s) => [`\`${s.query.slice(0, 90).replaceAll('|', '\\|')}${s.query.length > 90 ? '…' : ''}\``, s.database, s.calls.toLocaleString('en-US'), s.meanMs.toFixed(3), `${(100 * s.share).toFixed(1)} %`]))}

${r.systemCalls === null ? 'System calls: not measured (strace is missing).' : systemCallsSection(r.systemCalls)}

## Logins, apart from the order flow

${r.logins.clients} clients logging their own users in again and again for ${num(r.logins.measuredS)} s through POST /login, each login verifying the password's argon2id hash in auth.

${table(['logins/s', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'max (ms)', 'logins', 'errors'], [[num(r.logins.loginsPerSecond), ms(r.logins.latency.p50), ms(r.logins.latency.p95), ms(r.logins.latency.p99), ms(r.logins.latency.max), r.logins.logins.toLocaleString('en-US'), errorCount(r.logins)]])}

## newman and tracing

newman (the seed's Postman collection) right after boot: ${ms(r.newman.first.averageMs)} ms per request (${r.newman.first.requests} requests, ${r.newman.first.failures} failures); warm runs ${r.newman.warm.map((run) => `${ms(run.averageMs)} ms`).join(' and ')}.

${r.tracing === null ? 'Tracing: not measured (--no-tracing).' : `Tracing on (a second boot, every request traced, spans to a sink that drops them): ${num(r.tracing.paidPerSecondOn)} paid orders/s against ${num(saturation.paidPerSecond)}, pay p50 ${ms(r.tracing.payP50OnMs)} ms against ${ms(saturation.latency.pay?.p50 ?? 0)} ms: **${(100 * r.tracing.throughputCost).toFixed(0)} %** of the throughput.`}

![pay latency per phase and paid orders per second](latest.svg)
`;
}

function systemCallsSection(calls: SystemCalls): string {
  return `## System calls per paid order

The saturation's users again with \`strace -c -f\` on every service process and on PostgreSQL's postmaster and its children, attached before the load and detached after it, divided by the ${calls.paid.toLocaleString('en-US')} orders it paid (strace slows what it traces; the counts per order stay). Writes are write + writev + sendto + sendmsg + sendmmsg.

${table(['process', 'system calls', 'writes', 'most frequent calls'], Object.entries(calls.byProcess).map(([name, p]) => [name, p.calls.toFixed(1), p.writes.toFixed(1), p.top]))}
| **all** | **${sumOf(calls, 'calls').toFixed(1)}** | **${sumOf(calls, 'writes').toFixed(1)}** | |`;
}

/** Pay latency percentiles per phase and paid orders per second over time, drawn by Vega-Lite. */
export async function renderChart(r: BenchResults): Promise<string> {
  const latency = [['unloaded', r.phases.unloaded.latency.pay], ['saturation', r.phases.saturation.latency.pay], ['fixed rate, from schedule', r.phases.fixedRate.latencyFromSchedule?.pay]]
    .flatMap(([phase, p]) => (typeof p === 'object' ? (['p50', 'p95', 'p99'] as const).map((percentile) => ({ phase, percentile, ms: p[percentile] })) : []));
  const timeline = (['saturation', 'fixedRate'] as const).flatMap((phase) => r.phases[phase].paidPerSecondTimeline.map((paid, second) => ({ phase, second, paid })));
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    vconcat: [
      { title: 'pay latency (ms)', data: { values: latency }, mark: 'bar', encoding: { x: { field: 'phase', type: 'nominal', title: null }, xOffset: { field: 'percentile' }, y: { field: 'ms', type: 'quantitative' }, color: { field: 'percentile' } } },
      { title: 'paid orders per second', data: { values: timeline }, mark: 'line', encoding: { x: { field: 'second', type: 'quantitative' }, y: { field: 'paid', type: 'quantitative', title: 'paid/s' }, color: { field: 'phase' } } },
    ],
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}

import type { CpuPerOrder, FlowPhaseResult, PhaseErrors } from './flow-recorder.js';
import { STEPS, type Percentiles } from './latency.js';
import { renderFloorSection } from './markdown-floor-section.js';
import { renderPostgresLimitSection } from './markdown-postgres-limit-section.js';
import { renderPerRequestSection } from './markdown-per-request-section.js';
import { renderSystemCallsSection } from './markdown-system-calls-section.js';
import { formatMs, formatNumber, type BenchResults } from './results.js';

const PROCESSES = ['gateway', 'auth', 'billing', 'order', 'notification', 'postgres', 'load generator', 'other processes'] as const;

/** The system proper: its processes and its database, not the load generator nor anything else. */
const SYSTEM_PROCESSES = ['gateway', 'auth', 'billing', 'order', 'notification', 'postgres'] as const;

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

function latencyRow(phase: string, step: string, p: Percentiles | undefined): string {
  if (p === undefined || p.count === 0) return row([phase, step, '—', '—', '—', '—', 0]);
  return row([phase, step, formatMs(p.p50), formatMs(p.p95), formatMs(p.p99), formatMs(p.max), p.count.toLocaleString('en-US')]);
}

function flowLatencyRows(label: string, latencies: Record<string, Percentiles> | undefined): string[] {
  return [...STEPS, 'cycle'].map((step) => latencyRow(label, step, latencies?.[step]));
}

function costRow(label: string, cpu: CpuPerOrder, commitsPerOrder: number | undefined): string {
  const cells = PROCESSES.map((name) => {
    const ms = cpu.msPerPaidOrder[name];
    return ms === null || ms === undefined ? 'n/a' : ms.toFixed(2);
  });
  const system = SYSTEM_PROCESSES.map((name) => cpu.msPerPaidOrder[name]).filter((ms): ms is number => typeof ms === 'number');
  const total = system.reduce((sum, ms) => sum + ms, 0);
  return row([label, ...cells, total.toFixed(2), `${cpu.machineBusyPercent.toFixed(0)} % of ${cpu.cores}`, commitsPerOrder === undefined ? 'n/a' : commitsPerOrder.toFixed(1)]);
}

/** The share of the machine's busy time that went to processes other than the system and the load generator. */
function otherShare(cpu: CpuPerOrder): number {
  const known = Object.values(cpu.cpuMs).reduce<number>((sum, ms) => sum + (ms ?? 0), 0);
  return cpu.machineBusyMs > 0 ? Math.max(0, cpu.machineBusyMs - known) / cpu.machineBusyMs : 0;
}

function errorLines(label: string, errors: PhaseErrors): string[] {
  return Object.entries(errors.byKind).map(([kind, n]) => `- ${label}: ${n} × ${kind}`);
}

function throughputRow(label: string, phase: FlowPhaseResult): string {
  return row([label, formatNumber(phase.paidPerSecond), formatNumber(phase.requestsPerSecond), phase.cycles.toLocaleString('en-US'), phase.declined, phase.errors.total]);
}

/** The results as the Markdown the README shows: targets first, then what explains them. */
export function renderMarkdown(results: BenchResults): string {
  const { machine, settings } = results;
  const { unloaded, saturation, fixedRate, logins, databaseBound } = results.phases;
  const mark = (isMet: boolean | null) => (isMet === null ? '—' : isMet ? '✅' : '❌');
  const slowest = STEPS.map((step) => ({ step, p50: saturation.latencyFromSend[step]?.p50 ?? 0 })).sort((a, b) => b.p50 - a.p50)[0]!;
  const errors = [
    ...errorLines('unloaded', unloaded.errors),
    ...errorLines('saturation', saturation.errors),
    ...errorLines('fixed rate', fixedRate.errors),
    ...errorLines('logins', logins.errors),
    ...errorLines('database bound', databaseBound.errors),
  ];

  return [
    '# orderflow benchmark',
    '',
    `${results.generatedAt} · commit ${machine.commit} · ${machine.cpuModel} × ${machine.cores} cores, ${machine.memoryGiB} GiB · Node ${machine.node} · PostgreSQL ${machine.postgres} (${machine.postgresLocation}; fsync and synchronous_commit on)`,
    '',
    `V = ${settings.users} users, T = ${settings.durationS} s measured after ${settings.warmupS} s of warmup, fixed rate ${formatNumber(settings.rate)} cycles/s (${settings.rateSource}), ` +
      `unloaded ${settings.unloadedCycles} cycles, logins ${settings.loginClients} clients × ${settings.loginDurationS} s, services at LOG_LEVEL=${settings.logLevel}, ` +
      `gateway and services over ${settings.transport === 'tcp' ? 'TCP' : 'Unix domain sockets'}. ` +
      'A cycle is one user\'s create order → pay → read balance → read letters, through the gateway.',
    '',
    '## Targets',
    '',
    row(['target', 'measured', 'goal', '']),
    row(['---', '---', '---', '---']),
    ...results.targets.map((target) => row([target.name, target.measured, target.goal, mark(target.isMet)])),
    '',
    `**System ÷ database bound: ${results.systemToBound.toFixed(2)}.** Slowest step at saturation: ${slowest.step} (p50 ${formatMs(slowest.p50)} ms).`,
    '',
    ...[saturation.cpu!, fixedRate.cpu!, databaseBound.cpu].some((cpu) => otherShare(cpu) > 0.1)
      ? [
          `⚠ Other work ran on the machine during the run (${[saturation.cpu!, fixedRate.cpu!, databaseBound.cpu].map((cpu) => `${(100 * otherShare(cpu)).toFixed(0)} %`).join(', ')} ` +
            'of the busy CPU time in saturation, fixed rate and bound): these numbers are lower than an idle machine gives.',
          '',
        ]
      : [],
    '## Throughput',
    '',
    row(['phase', 'paid orders/s', 'requests/s', 'cycles', 'declined', 'errors']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    throughputRow('unloaded (1 user, one cycle at a time)', unloaded),
    throughputRow(`saturation (${saturation.users} users, closed loop)`, saturation),
    throughputRow(`fixed rate (${formatNumber(fixedRate.rate ?? 0)} cycles/s due, open loop)`, fixedRate),
    row([`logins (${logins.clients} clients, closed loop)`, `${formatNumber(logins.loginsPerSecond)} logins/s`, formatNumber(logins.loginsPerSecond), logins.logins.toLocaleString('en-US'), '—', logins.errors.total]),
    row([`database bound (${databaseBound.connections} connections, the flow's SQL without HTTP)`, formatNumber(databaseBound.paidPerSecond), '—', databaseBound.paid.toLocaleString('en-US'), '—', databaseBound.errors.total]),
    '',
    ...(errors.length > 0 ? ['Errors:', '', ...errors, ''] : []),
    '## Latency (ms)',
    '',
    'Saturation latencies are throughput in disguise (users ÷ throughput); read latency at the fixed rate. ' +
      '"From schedule" charges each step with every delay before it since the cycle was due, so a stall is not hidden.',
    '',
    row(['phase', 'step', 'p50', 'p95', 'p99', 'max', 'n']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:']),
    ...flowLatencyRows('unloaded', unloaded.latencyFromSend),
    ...flowLatencyRows('saturation', saturation.latencyFromSend),
    ...flowLatencyRows('fixed rate, from schedule', fixedRate.latencyFromSchedule),
    ...flowLatencyRows('fixed rate, from send', fixedRate.latencyFromSend),
    latencyRow('fixed rate', 'start lag of the load generator', fixedRate.startLag),
    latencyRow('logins', 'login', logins.latency),
    latencyRow('database bound', 'cycle (its SQL)', databaseBound.cycleLatency),
    '',
    ...renderFloorSection(results.floor),
    ...renderPostgresLimitSection(results),
    '## Cost per paid order',
    '',
    'CPU milliseconds per paid order of each process over the measured window ("system total" is the services and PostgreSQL; ' +
      '"other processes" is whatever else ran on the machine meanwhile and took cores from the system), the share of the machine that was busy, and ' +
      'PostgreSQL commits per paid order (pg_stat_database.xact_commit of the four databases; read-only transactions count too).',
    '',
    row(['phase', ...PROCESSES.map((name) => (name === 'postgres' ? 'PostgreSQL' : name)), 'system total', 'machine busy', 'commits']),
    row(['---', ...PROCESSES.map(() => '---:'), '---:', '---:', '---:']),
    costRow('saturation', saturation.cpu!, saturation.commits?.perPaidOrder),
    costRow('fixed rate', fixedRate.cpu!, fixedRate.commits?.perPaidOrder),
    costRow('database bound', databaseBound.cpu, databaseBound.commits?.perPaidOrder),
    '',
    ...renderSystemCallsSection(results.systemCalls),
    ...renderPerRequestSection(results.perRequest),
    ...(results.statements === undefined
      ? []
      : [
          '## PostgreSQL statements at saturation',
          '',
          'From pg_stat_statements over the saturation phase (warmup included): the costliest statements by total execution time.',
          '',
          row(['statement', 'database', 'calls', 'mean (ms)', 'share']),
          row(['---', '---', '---:', '---:', '---:']),
          ...results.statements.map((statement) =>
            row([
              `\`${statement.query.slice(0, 90).replaceAll('|', '\\|')}${statement.query.length > 90 ? '…' : ''}\``,
              statement.database.replace(/^.*_/, ''),
              statement.calls.toLocaleString('en-US'),
              statement.meanMs.toFixed(3),
              `${(100 * statement.share).toFixed(1)} %`,
            ]),
          ),
          '',
        ]),
    ...(results.tracing === undefined
      ? []
      : [
          '## Tracing overhead',
          '',
          'Saturation again on a fresh boot with OpenTelemetry on (every request traced, spans exported over OTLP/HTTP to a sink that drops them), against the saturation phase above with it off.',
          '',
          row(['tracing', 'paid orders/s', 'pay p50 (ms)']),
          row(['---', '---:', '---:']),
          row(['off', formatNumber(results.tracing.paidPerSecondOff), formatMs(results.tracing.payP50OffMs)]),
          row(['on', formatNumber(results.tracing.paidPerSecondOn), formatMs(results.tracing.payP50OnMs)]),
          '',
          `Tracing on costs ${(100 * results.tracing.throughputCost).toFixed(0)} % of the throughput at saturation; off, no part of the SDK is loaded.`,
          '',
        ]),
    '![latency percentiles per phase and throughput over time](latest.svg)',
    '',
  ].join('\n');
}

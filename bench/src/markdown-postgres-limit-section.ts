import { formatMs, formatNumber, type BenchResults } from './results.js';

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** pgbench's limit for a paid order: each database's share, and how they add up. */
export function renderPostgresLimitSection(results: BenchResults): string[] {
  const { postgresLimit: limit } = results;
  const { saturation, databaseBound } = results.phases;
  const heading = ["## PostgreSQL's own limit (pgbench)", ''];
  if (limit.skipped !== undefined) return [...heading, `Not measured: ${limit.skipped}.`, ''];
  const msPerOrder = (tps: number) => formatMs(1000 / tps);
  const cpuMs = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : formatMs(ms));
  return [
    ...heading,
    `The statements of one paid order as the services' stores sent them (recorded from the database bound's sequence), replayed by ${limit.pgbench} ` +
      `with \`-n -M prepared -c ${limit.clients} -j ${limit.threads}\`, one user per client; each database's share alone for ${limit.secondsPerDatabase} s, one after the other, ` +
      `then order's batched delivered marks (${limit.batchSize} orders a statement, as at saturation) over the rows its share created. ` +
      'A paid order needs every share once and its part of a batch, so its time on the server is the sum of theirs: limit = 1 ÷ Σ (1 ÷ (tps × orders a run)). ' +
      'How the scripts are made and where they differ from the real statements: bench/README.md.',
    '',
    row(['database', 'statements', 'transactions', 'tps (shares/s)', 'ms per paid order', 'latency avg (ms)', 'runs', 'PostgreSQL CPU ms per run', 'machine busy']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...limit.databases.map((share) =>
      row([
        share.isBatched ? `${share.database}, batched (${share.ordersPerRun} orders a run)` : share.database,
        share.statements,
        share.transactions,
        formatNumber(share.tps),
        msPerOrder(share.tps * share.ordersPerRun),
        formatMs(share.latencyAverageMs),
        share.processed.toLocaleString('en-US'),
        cpuMs(share.postgresCpuMsPerRun),
        `${share.machineBusyPercent.toFixed(0)} %`,
      ]),
    ),
    row(['**a paid order**', formatNumber(limit.statementsPerPaidOrder), formatNumber(limit.transactionsPerPaidOrder), `**${formatNumber(limit.paidPerSecond)}** paid orders/s`, msPerOrder(limit.paidPerSecond), '', '', cpuMs(limit.postgresCpuMsPerPaidOrder), '']),
    '',
    `**System ${formatNumber(saturation.paidPerSecond)} ÷ limit ${formatNumber(limit.paidPerSecond)} paid orders/s = ${(saturation.paidPerSecond / limit.paidPerSecond).toFixed(2)}**; ` +
      `the database bound (the same statements from one Node process) reaches ${(databaseBound.paidPerSecond / limit.paidPerSecond).toFixed(2)} of it. ` +
      `PostgreSQL's CPU per paid order: ${cpuMs(limit.postgresCpuMsPerPaidOrder)} ms here, ${cpuMs(saturation.cpu?.msPerPaidOrder.postgres)} ms at saturation, ${cpuMs(databaseBound.cpu.msPerPaidOrder.postgres)} ms in the bound ` +
      '(at pgbench\'s higher rate more commits share each WAL flush and fewer backends wake for each statement, so less here is expected; more would mean the scripts do work the system\'s statements do not).',
    '',
  ];
}

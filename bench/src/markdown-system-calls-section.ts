import type { SystemCallsResult } from './phases/system-calls.js';

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** System calls and writes per paid order of each process, under strace. */
export function renderSystemCallsSection(calls: SystemCallsResult): string[] {
  const heading = ['## System calls per paid order', ''];
  if (calls.skipped !== undefined) return [...heading, `Not measured: ${calls.skipped}.`, ''];
  const processes = Object.entries(calls.byProcess);
  return [
    ...heading,
    `The saturation's ${calls.users} users again for ${calls.measuredS.toFixed(1)} s with \`strace -c -f\` on every service process and on PostgreSQL's postmaster and its children at once, ` +
      `divided by the ${calls.paid} orders paid meanwhile (${calls.paidPerSecondUnderStrace.toFixed(0)}/s: strace slows what it traces, the counts per order stay). ` +
      'Writes are write + writev + sendto + sendmsg + sendmmsg.',
    '',
    row(['process', 'system calls', 'writes', 'most frequent calls']),
    row(['---', '---:', '---:', '---']),
    ...processes.map(([name, p]) => row([name, p.callsPerPaidOrder.toFixed(1), p.writesPerPaidOrder.toFixed(1), p.top.map((call) => `${call.name} ${call.perPaidOrder.toFixed(1)}`).join(', ')])),
    row([
      '**all**',
      `**${processes.reduce((sum, [, p]) => sum + p.callsPerPaidOrder, 0).toFixed(1)}**`,
      `**${processes.reduce((sum, [, p]) => sum + p.writesPerPaidOrder, 0).toFixed(1)}**`,
      '',
    ]),
    '',
    ...(calls.tcpSegmentsPerPaidOrder === undefined
      ? []
      : [`TCP segments sent per paid order in the window: ${calls.tcpSegmentsPerPaidOrder.toFixed(1)} (nstat's TcpOutSegs, the whole network namespace: other traffic on the machine counts too).`, '']),
    ...(calls.errors.total === 0 ? [] : [`Errors in the window: ${Object.entries(calls.errors.byKind).map(([kind, n]) => `${n} × ${kind}`).join(', ')}.`, '']),
  ];
}

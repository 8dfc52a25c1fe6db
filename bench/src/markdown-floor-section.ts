import type { FloorResult } from './floor/unloaded-floor.js';
import { formatMs } from './results.js';

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** The unloaded pay against what its hops and commits cost bare on the same machine in the same run. */
export function renderFloorSection(floor: FloorResult): string[] {
  const { httpRoundTrip: http, commit } = floor;
  return [
    '## Floor of the unloaded pay',
    '',
    `The pay's critical path (services/order/src/domain/pay-order.ts) is ${floor.httpExchanges} HTTP exchanges and ${floor.sequentialCommits} sequential commits. ` +
      'Each part is measured bare at idle, right after the unloaded phase, with samples 10 ms apart: a bare node:http server in another process with an undici client, ' +
      'and an autocommitted one-row UPDATE through pg on a scratch database.',
    '',
    row(['part', 'p50 (ms)', 'p95 (ms)', 'n', 'times', 'ms on the path']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    row(['bare node:http round trip', formatMs(http.p50), formatMs(http.p95), http.count, floor.httpExchanges, formatMs(floor.httpExchanges * http.p50)]),
    row(['bare commit (UPDATE through pg)', formatMs(commit.p50), formatMs(commit.p95), commit.count, floor.sequentialCommits, formatMs(floor.sequentialCommits * commit.p50)]),
    row(['**floor**', '', '', '', '', `**${formatMs(floor.floorMs)}**`]),
    '',
    `**Unloaded pay p50 ${formatMs(floor.unloadedPayP50Ms)} ms ÷ floor ${formatMs(floor.floorMs)} ms = ${floor.payToFloor.toFixed(2)}** (target ≤ 1.25).`,
    '',
  ];
}

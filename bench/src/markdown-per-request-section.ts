import type { BareLoadResult } from './bare/closed-loop-load.js';
import type { PerRequestComparison } from './per-request-comparison.js';
import { formatMs, formatNumber } from './results.js';

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

const ms = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value.toFixed(3));
const ratio = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} ×`);

function bareRow(label: string, load: BareLoadResult, name: string): string {
  return row([label, formatNumber(load.requestsPerSecond), ms(load.msPerRequest[name]), `${load.machineBusyPercent.toFixed(0)} %`, load.errors]);
}

/** Each service's CPU per request at saturation beside a bare Fastify route's and a bare proxy's. */
export function renderPerRequestSection(comparison: PerRequestComparison): string[] {
  const { bare, rows } = comparison;
  return [
    '## Per request: the services against bare Fastify',
    '',
    `Each service's saturation CPU per paid order ÷ the requests it handles per paid order (the gateway's proxied requests as measured; the others' from the use cases, ` +
      `bench/src/per-request-comparison.ts), beside bare servers measured in this run on this machine: ${bare.concurrency} requests in flight for ${formatNumber(bare.durationS)} s ` +
      `after ${formatNumber(bare.warmupS)} s, over ${bare.transport === 'tcp' ? 'TCP' : 'Unix domain sockets'} (the proxy takes its clients on TCP, as the gateway does). ` +
      'The bare route is the services\' Fastify with their logger and request logging off, run by runService, answering a balance-sized JSON body, ' +
      'with none of createServiceApp\'s hooks, schemas, metrics or plugins; the bare proxy is @fastify/reply-from over the gateway\'s createUpstreamAgent in front of it. ' +
      'Order\'s requests each make one (a proxy hop\'s HTTP work), so it is set beside the proxy; its statements are in its cost and not in the bare one.',
    '',
    row(['process', 'CPU ms per paid order', 'requests per paid order', 'also per paid order', 'CPU ms per request', 'bare', 'bare ms per request', 'ratio']),
    row(['---', '---:', '---:', '---', '---:', '---', '---:', '---:']),
    ...rows.map((r) =>
      row([
        r.process,
        ms(r.msPerPaidOrder),
        r.requestsPerPaidOrder.toFixed(2),
        [r.made > 0 ? `${r.made} made` : '', r.statements > 0 ? `${r.statements} statements` : ''].filter(Boolean).join(', ') || '—',
        ms(r.msPerRequest),
        r.bare,
        ms(r.bareMsPerRequest),
        ratio(r.ratio),
      ]),
    ),
    row(['**the four**', `**${ms(comparison.servicesMsPerPaidOrder)}**`, '', '', '', 'the same requests bare', `**${ms(comparison.bareMsPerPaidOrder)}** per paid order`, `**${ratio(comparison.ratio)}**`]),
    '',
    row(['bare server', 'requests/s', 'CPU ms per request', 'machine busy', 'errors']),
    row(['---', '---:', '---:', '---:', '---:']),
    bareRow('node:http, for reference', bare.nodeHttp, 'server'),
    bareRow('Fastify route', bare.route, 'server'),
    bareRow('reply-from proxy (the proxy process)', bare.proxy, 'proxy'),
    bareRow('the route behind the proxy', bare.proxy, 'upstream'),
    '',
    `**A service's request costs ${ratio(comparison.ratio)} the same request bare** (CPU of the gateway, order, billing and notification per paid order, ` +
      `${formatMs(comparison.servicesMsPerPaidOrder ?? 0)} ms, against ${formatMs(comparison.bareMsPerPaidOrder ?? 0)} ms of bare hops). ` +
      'The difference is the services\' own hooks, validation, serialisation, metrics, identity checks, database client and use cases: `--cpu-prof` shows which.',
    '',
  ];
}

/** The same comparison on one console line. */
export function describePerRequest(comparison: PerRequestComparison): string {
  const services = comparison.rows.map((r) => `${r.process} ${ms(r.msPerRequest)}`).join(', ');
  const { route, proxy } = comparison.bare;
  return `CPU ms per request: ${services}; bare route ${ms(route.msPerRequest.server)}, bare proxy ${ms(proxy.msPerRequest.proxy)}; the four ${ratio(comparison.ratio)} their requests bare`;
}

import type { BareLoadResult } from './bare/bare-load.js';
import type { PerRequestComparison } from './per-request-comparison.js';
import { formatMs, formatNumber } from './results.js';

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

const ms = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value.toFixed(3));
const ratio = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} ×`);

function bareRow(label: string, load: BareLoadResult, name: string): string {
  const pace = load.rate === undefined ? 'closed loop' : `paced at ${formatNumber(load.rate)}/s`;
  return row([label, pace, formatNumber(load.requestsPerSecond), ms(load.msPerRequest[name]), `${load.machineBusyPercent.toFixed(0)} %`, load.errors]);
}

/** Each service's CPU per request at saturation beside a bare Fastify route's and a bare proxy's. */
export function renderPerRequestSection(comparison: PerRequestComparison): string[] {
  const { bare, rows, atConcurrency, atRate } = comparison;
  return [
    '## Per request: the services against bare Fastify',
    '',
    `Each service's saturation CPU per paid order ÷ the requests it handles per paid order (the gateway's proxied requests as measured; the others' from the use cases, ` +
      `bench/src/per-request-comparison.ts), beside bare servers measured in this run on this machine, ${formatNumber(bare.durationS)} s each, ` +
      `over ${bare.transport === 'tcp' ? 'TCP' : 'Unix domain sockets'} (the proxy takes its clients on TCP, as the gateway does). ` +
      'The bare route is the services\' Fastify with their logger and request logging off, run by runService, answering a balance-sized JSON body, ' +
      'with none of createServiceApp\'s hooks, schemas, metrics or plugins; the bare proxy is @fastify/reply-from over the gateway\'s createUpstreamAgent in front of it. ' +
      'Order\'s requests each make one (a proxy hop\'s HTTP work), so it is set beside the proxy; its statements are in its cost and not in the bare one. ' +
      `"At concurrency": a closed loop of ${bare.concurrency} requests in flight, where a bare server runs many times faster than a service did; ` +
      '"at rate": paced at the requests per second the process had at saturation, with the system under the saturation\'s load beside it so that the machine is as busy, ' +
      'since a process that waits between requests pays more for each. Flat out is the floor; at rate is the comparison.',
    '',
    row(['process', 'CPU ms per paid order', 'requests per paid order', 'also per paid order', 'requests/s', 'CPU ms per request', 'bare', 'at concurrency', 'ratio', 'at rate', 'ratio']),
    row(['---', '---:', '---:', '---', '---:', '---:', '---', '---:', '---:', '---:', '---:']),
    ...rows.map((r) =>
      row([
        r.process,
        ms(r.msPerPaidOrder),
        r.requestsPerPaidOrder.toFixed(2),
        [r.made > 0 ? `${r.made} made` : '', r.statements > 0 ? `${r.statements} statements` : ''].filter(Boolean).join(', ') || '—',
        formatNumber(r.requestsPerSecond),
        ms(r.msPerRequest),
        r.bare,
        ms(r.atConcurrency.msPerRequest),
        ratio(r.atConcurrency.ratio),
        ms(r.atRate.msPerRequest),
        ratio(r.atRate.ratio),
      ]),
    ),
    row(['**the four**', `**${ms(comparison.servicesMsPerPaidOrder)}**`, '', '', '', '', 'their requests bare, per paid order', ms(atConcurrency.bareMsPerPaidOrder), `**${ratio(atConcurrency.ratio)}**`, ms(atRate.bareMsPerPaidOrder), `**${ratio(atRate.ratio)}**`]),
    '',
    row(['bare server', 'load', 'requests/s', 'CPU ms per request', 'machine busy', 'errors']),
    row(['---', '---', '---:', '---:', '---:', '---:']),
    bareRow('node:http, for reference', bare.nodeHttp, 'server'),
    bareRow('Fastify route', bare.route, 'server'),
    bareRow('reply-from proxy', bare.proxy, 'proxy'),
    bareRow('↳ the route behind it', bare.proxy, 'upstream'),
    bareRow('reply-from proxy', bare.proxyAtGatewayRate, 'proxy'),
    bareRow('↳ the route behind it', bare.proxyAtGatewayRate, 'upstream'),
    bareRow('reply-from proxy', bare.proxyAtServiceRate, 'proxy'),
    bareRow('↳ the route behind it', bare.proxyAtServiceRate, 'upstream'),
    '',
    `Beside the paced runs the system ran ${bare.background.cycles.toLocaleString('en-US')} cycles, unmeasured, with ${bare.background.errors} errors.`,
    '',
    `**The four services' requests cost ${ratio(atRate.ratio)} the same requests bare at the same rate** (${formatMs(comparison.servicesMsPerPaidOrder ?? 0)} ms of CPU per paid order ` +
      `against ${formatMs(atRate.bareMsPerPaidOrder ?? 0)} ms; ${ratio(atConcurrency.ratio)} against bare servers running flat out). ` +
      'Above the bare figure go the services\' own hooks, validation, serialisation, metrics, identity checks, database client and use cases: `--cpu-prof` shows which.',
    '',
  ];
}

/** The same comparison on one console line. */
export function describePerRequest(comparison: PerRequestComparison): string {
  const services = comparison.rows.map((r) => `${r.process} ${ms(r.msPerRequest)} (${ratio(r.atRate.ratio)} bare at its rate)`).join(', ');
  return `CPU ms per request: ${services}; the four ${ratio(comparison.atRate.ratio)} their requests bare at the same rate, ${ratio(comparison.atConcurrency.ratio)} flat out`;
}

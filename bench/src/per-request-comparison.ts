import type { FlowPhaseResult } from './flow-recorder.js';
import type { BareFastifyResult } from './phases/bare-fastify.js';

type Bare = 'bare route' | 'bare proxy';

interface ServiceWork {
  /** Requests the CPU per paid order is divided by. */
  served: number;
  /** Requests it makes to its peers, and SQL statements it runs, per paid order: in its cost, not in the divisor. */
  made: number;
  statements: number;
  /** The bare server that does the same HTTP work per request. */
  bare: Bare;
}

/**
 * What each service does per paid order, from the use cases: order serves create and pay, and pay
 * calls billing and notification (services/order/src/domain/pay-order.ts); billing serves that
 * payment and the balance read, notification that letter and the letters read; the statements are
 * those bench/src/order-flow-sql.ts replays (session checks aside, which the gateway's cache makes rare).
 * Change them with the use cases. The gateway's count is measured instead: the phase's requests per paid order.
 */
export const SERVICE_WORK: Record<'order' | 'billing' | 'notification', ServiceWork> = {
  // A served request that makes a request is a proxy hop's HTTP work: serve one, send one.
  order: { served: 2, made: 2, statements: 4, bare: 'bare proxy' },
  billing: { served: 2, made: 0, statements: 2, bare: 'bare route' },
  notification: { served: 2, made: 0, statements: 2, bare: 'bare route' },
};

/** The requests per second the gateway and one service (each serves as many) answered at saturation. */
export function saturationRates(saturation: FlowPhaseResult): { gateway: number; service: number } {
  return { gateway: saturation.requestsPerSecond, service: saturation.paidPerSecond * SERVICE_WORK.billing.served };
}

export interface BareFigure {
  msPerRequest: number | null;
  /** The service's CPU per request ÷ the bare one. */
  ratio: number | null;
}

export interface PerRequestRow {
  process: string;
  msPerPaidOrder: number | null;
  /** The divisor: proxied requests for the gateway, served requests for the others. */
  requestsPerPaidOrder: number;
  requestsPerSecond: number;
  made: number;
  statements: number;
  msPerRequest: number | null;
  bare: Bare;
  /** The bare server in a closed loop at the saturation's concurrency: as fast as it goes. */
  atConcurrency: BareFigure;
  /** The bare server paced at this process's requests per second at saturation. */
  atRate: BareFigure;
}

export interface PerRequestComparison {
  bare: BareFastifyResult;
  rows: PerRequestRow[];
  /** The four services' CPU per paid order, and the same requests done bare (Σ requests × bare ms). */
  servicesMsPerPaidOrder: number | null;
  atConcurrency: { bareMsPerPaidOrder: number | null; ratio: number | null };
  atRate: { bareMsPerPaidOrder: number | null; ratio: number | null };
}

const divide = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b);
const sum = (values: (number | null)[]) => (values.some((v) => v === null) ? null : values.reduce<number>((total, v) => total + v!, 0));

export function comparePerRequest(saturation: FlowPhaseResult, bare: BareFastifyResult): PerRequestComparison {
  const msPerPaidOrder = saturation.cpu?.msPerPaidOrder ?? {};
  const work: [string, ServiceWork][] = [
    ['gateway', { served: saturation.paid === 0 ? 0 : saturation.requests / saturation.paid, made: 0, statements: 0, bare: 'bare proxy' }],
    ...Object.entries(SERVICE_WORK),
  ];
  const rows = work.map(([process, { served, made, statements, bare: counterpart }]): PerRequestRow => {
    const ms = msPerPaidOrder[process] ?? null;
    const msPerRequest = divide(ms, served);
    const closed = counterpart === 'bare proxy' ? bare.proxy.msPerRequest.proxy : bare.route.msPerRequest.server;
    // Paced at this process's rate: the proxy itself, or the route behind it for a route's counterpart.
    const pacedRun = process === 'gateway' ? bare.proxyAtGatewayRate : bare.proxyAtServiceRate;
    const paced = counterpart === 'bare proxy' ? pacedRun.msPerRequest.proxy : pacedRun.msPerRequest.upstream;
    const figure = (bareMs: number | null | undefined): BareFigure => ({ msPerRequest: bareMs ?? null, ratio: divide(msPerRequest, bareMs) });
    return {
      process,
      msPerPaidOrder: ms,
      requestsPerPaidOrder: served,
      requestsPerSecond: served * saturation.paidPerSecond,
      made,
      statements,
      msPerRequest,
      bare: counterpart,
      atConcurrency: figure(closed),
      atRate: figure(paced),
    };
  });
  const servicesMsPerPaidOrder = sum(rows.map((row) => row.msPerPaidOrder));
  const bareTotal = (pick: (row: PerRequestRow) => number | null) => {
    const bareMsPerPaidOrder = sum(rows.map((row) => {
      const ms = pick(row);
      return ms === null ? null : ms * row.requestsPerPaidOrder;
    }));
    return { bareMsPerPaidOrder, ratio: divide(servicesMsPerPaidOrder, bareMsPerPaidOrder) };
  };
  return {
    bare,
    rows,
    servicesMsPerPaidOrder,
    atConcurrency: bareTotal((row) => row.atConcurrency.msPerRequest),
    atRate: bareTotal((row) => row.atRate.msPerRequest),
  };
}

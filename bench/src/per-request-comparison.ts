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

export interface PerRequestRow {
  process: string;
  msPerPaidOrder: number | null;
  /** The divisor: proxied requests for the gateway, served requests for the others. */
  requestsPerPaidOrder: number;
  made: number;
  statements: number;
  msPerRequest: number | null;
  bare: Bare;
  bareMsPerRequest: number | null;
  /** msPerRequest ÷ bareMsPerRequest. */
  ratio: number | null;
}

export interface PerRequestComparison {
  bare: BareFastifyResult;
  rows: PerRequestRow[];
  /** The four services' CPU per paid order, and the same requests done bare (Σ requests × bare ms). */
  servicesMsPerPaidOrder: number | null;
  bareMsPerPaidOrder: number | null;
  ratio: number | null;
}

const divide = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

export function comparePerRequest(saturation: FlowPhaseResult, bare: BareFastifyResult): PerRequestComparison {
  const bareMs: Record<Bare, number | null> = { 'bare route': bare.route.msPerRequest.server ?? null, 'bare proxy': bare.proxy.msPerRequest.proxy ?? null };
  const msPerPaidOrder = saturation.cpu?.msPerPaidOrder ?? {};
  const work: [string, ServiceWork][] = [
    ['gateway', { served: saturation.paid === 0 ? 0 : saturation.requests / saturation.paid, made: 0, statements: 0, bare: 'bare proxy' }],
    ...Object.entries(SERVICE_WORK),
  ];
  const rows = work.map(([process, { served, made, statements, bare: counterpart }]) => {
    const ms = msPerPaidOrder[process] ?? null;
    const msPerRequest = divide(ms, served);
    return { process, msPerPaidOrder: ms, requestsPerPaidOrder: served, made, statements, msPerRequest, bare: counterpart, bareMsPerRequest: bareMs[counterpart], ratio: divide(msPerRequest, bareMs[counterpart]) };
  });
  const sum = (values: (number | null)[]) => (values.some((v) => v === null) ? null : values.reduce<number>((total, v) => total + v!, 0));
  const servicesMsPerPaidOrder = sum(rows.map((row) => row.msPerPaidOrder));
  const bareMsPerPaidOrder = sum(rows.map((row) => (row.bareMsPerRequest === null ? null : row.requestsPerPaidOrder * row.bareMsPerRequest)));
  return { bare, rows, servicesMsPerPaidOrder, bareMsPerPaidOrder, ratio: divide(servicesMsPerPaidOrder, bareMsPerPaidOrder) };
}

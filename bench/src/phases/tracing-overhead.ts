import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Phase 6: the cost of tracing. The same saturation loop runs against a second boot of the system
 * with OpenTelemetry on (every request traced, spans exported over OTLP/HTTP to a sink in this
 * process that accepts and drops them), and is compared with phase 2, where tracing was off.
 */
export interface TracingOverheadResult {
  paidPerSecondOff: number;
  paidPerSecondOn: number;
  payP50OffMs: number;
  payP50OnMs: number;
  /** Share of throughput lost with tracing on: 0.2 is 20 % fewer paid orders per second. */
  throughputCost: number;
}

export interface TraceSink {
  url: string;
  spansReceived(): number;
  close(): Promise<void>;
}

/** An OTLP/HTTP endpoint that answers every export with 200 and keeps only a count of the requests. */
export async function startTraceSink(): Promise<TraceSink> {
  let exports = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      exports++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spansReceived: () => exports,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function compareTracing(off: { paidPerSecond: number; payP50: number }, on: { paidPerSecond: number; payP50: number }): TracingOverheadResult {
  return {
    paidPerSecondOff: off.paidPerSecond,
    paidPerSecondOn: on.paidPerSecond,
    payP50OffMs: off.payP50,
    payP50OnMs: on.payP50,
    throughputCost: off.paidPerSecond > 0 ? 1 - on.paidPerSecond / off.paidPerSecond : 0,
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { forkBareServer, type BareServer } from '../bare/bare-server-process.js';
import { runBareLoad, type BareLoadResult } from '../bare/bare-load.js';
import type { Transport } from '../options.js';
import type { startBackgroundLoad } from '../bare/system-background-load.js';

/** Unmeasured load on each bare server first (JIT, connections), at most the run's own warmup. */
const WARMUP_S = 0.5;
/** The proxy runs slow until its code is compiled, and slow means dearer per request: longer. */
const PROXY_WARMUP_S = 1;

export interface BareFastifyResult {
  transport: Transport;
  concurrency: number;
  warmupS: number;
  durationS: number;
  /** Closed loops at the saturation's concurrency. node:http alone, for reference: `server`. */
  nodeHttp: BareLoadResult;
  /** The bare Fastify route: `server`. */
  route: BareLoadResult;
  /** The bare proxy in front of the bare route: `proxy`, and the route behind it, `upstream`. */
  proxy: BareLoadResult;
  /** The proxy paced at the gateway's requests per second at saturation, beside the system under the saturation's load. */
  proxyAtGatewayRate: BareLoadResult;
  /** The same at one service's served requests per second (order, billing and notification each serve 2 a paid order). */
  proxyAtServiceRate: BareLoadResult;
  /** The system's cycles meanwhile, which only keep the machine busy; errors among them are the system's. */
  background: { cycles: number; errors: number };
}

/**
 * Phase 2c: what a request costs bare on this machine in this run: node:http, a bare Fastify route,
 * and a bare reply-from proxy in front of that route, each a process of its own reached over the
 * run's transport (the proxy, like the gateway, takes its clients on TCP). First in closed loops at
 * the saturation's concurrency, where the bare servers run far faster than any service did; then the
 * proxy (and the route behind it) paced at the requests per second the gateway and a service had at
 * saturation, with the system under the saturation's load beside it: a process that waits between
 * requests pays more for each (a wake-up per request, no batching), and what a wake-up costs depends
 * on how busy the machine is.
 */
export async function runBareFastifyPhase(options: {
  transport: Transport;
  concurrency: number;
  warmupS: number;
  durationS: number;
  /** Requests per second at saturation: the gateway's, and one service's. */
  rates: { gateway: number; service: number };
  /** Starts the saturation's load on the system again, for the paced runs. */
  startBackground: () => ReturnType<typeof startBackgroundLoad>;
  logLevel: string;
  cpuProfDir: string | undefined;
}): Promise<BareFastifyResult> {
  const { concurrency, durationS } = options;
  const closedLoop = (warmupS: number) => ({ concurrency, warmupS: Math.min(warmupS, options.warmupS), durationS });
  const paced = (rate: number, warmupS: number) => ({ concurrency, warmupS: Math.min(warmupS, options.warmupS), durationS, rate: Math.max(1, rate) });
  // Socket paths are capped at 107 bytes: a short folder of its own, as the system's.
  const socketDir = options.transport === 'unix' ? await mkdtemp(path.join(os.tmpdir(), 'orderflow-bare-')) : undefined;
  const socketEnv = (name: string): Record<string, string> => (socketDir === undefined ? {} : { SOCKET_PATH: path.join(socketDir, `${name}.sock`) });
  const servers: BareServer[] = [];
  const start = async (script: string, env: Record<string, string>) => {
    const server = await forkBareServer(script, env, options.cpuProfDir);
    servers.push(server);
    return server;
  };
  try {
    const nodeHttpServer = await start('bare-node-http-server.js', socketEnv('node-http'));
    const nodeHttp = await runBareLoad('bare node:http', nodeHttpServer.address, { server: nodeHttpServer.pid }, closedLoop(WARMUP_S));
    await nodeHttpServer.stop();

    const routeServer = await start('bare-route-server.js', { LOG_LEVEL: options.logLevel, ...socketEnv('route') });
    const route = await runBareLoad('bare route', routeServer.address, { server: routeServer.pid }, closedLoop(WARMUP_S));
    const proxyServer = await start('bare-proxy-server.js', { LOG_LEVEL: options.logLevel, UPSTREAM_URL: routeServer.address });
    const both = { proxy: proxyServer.pid, upstream: routeServer.pid };
    const proxy = await runBareLoad('bare proxy', proxyServer.address, both, closedLoop(PROXY_WARMUP_S));
    const load = options.startBackground();
    let background = { cycles: 0, errors: 0 };
    let proxyAtGatewayRate: BareLoadResult;
    let proxyAtServiceRate: BareLoadResult;
    try {
      proxyAtGatewayRate = await runBareLoad('bare proxy at the gateway\'s rate', proxyServer.address, both, paced(options.rates.gateway, WARMUP_S));
      proxyAtServiceRate = await runBareLoad('bare proxy at a service\'s rate', proxyServer.address, both, paced(options.rates.service, 0));
    } finally {
      background = await load.stop();
    }
    return { transport: options.transport, concurrency, warmupS: Math.min(WARMUP_S, options.warmupS), durationS, nodeHttp, route, proxy, proxyAtGatewayRate, proxyAtServiceRate, background };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true });
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { forkBareServer, type BareServer } from '../bare/bare-server-process.js';
import { runClosedLoop, type BareLoadResult } from '../bare/closed-loop-load.js';
import type { Transport } from '../options.js';

/** Unmeasured load on each bare server first (JIT, connections), at most the run's own warmup. */
const WARMUP_S = 0.5;

export interface BareFastifyResult {
  transport: Transport;
  concurrency: number;
  warmupS: number;
  durationS: number;
  /** node:http alone, for reference: `server`. */
  nodeHttp: BareLoadResult;
  /** The bare Fastify route: `server`. */
  route: BareLoadResult;
  /** The bare proxy in front of the bare route: `proxy`, and the route behind it, `upstream`. */
  proxy: BareLoadResult;
}

/**
 * Phase 2c: what a request costs bare on this machine in this run, at the saturation's concurrency:
 * node:http, a bare Fastify route, and a bare reply-from proxy in front of that route, each a process
 * of its own reached over the run's transport (the proxy, like the gateway, takes its clients on TCP).
 * The report divides each service's CPU per paid order by the requests it handles and sets it beside these.
 */
export async function runBareFastifyPhase(options: { transport: Transport; concurrency: number; warmupS: number; durationS: number; logLevel: string; cpuProfDir: string | undefined }): Promise<BareFastifyResult> {
  const timing = { concurrency: options.concurrency, warmupS: Math.min(WARMUP_S, options.warmupS), durationS: options.durationS };
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
    const nodeHttp = await runClosedLoop('bare node:http', nodeHttpServer.address, { server: nodeHttpServer.pid }, timing);
    await nodeHttpServer.stop();

    const routeServer = await start('bare-route-server.js', { LOG_LEVEL: options.logLevel, ...socketEnv('route') });
    const route = await runClosedLoop('bare route', routeServer.address, { server: routeServer.pid }, timing);
    const proxyServer = await start('bare-proxy-server.js', { LOG_LEVEL: options.logLevel, UPSTREAM_URL: routeServer.address });
    const proxy = await runClosedLoop('bare proxy', proxyServer.address, { proxy: proxyServer.pid, upstream: routeServer.pid }, timing);
    return { transport: options.transport, ...timing, nodeHttp, route, proxy };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true });
  }
}

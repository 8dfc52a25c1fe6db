import { rm } from 'node:fs/promises';
import net from 'node:net';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { flushTraces } from './spans.js';

export interface RunOptions {
  host: string;
  port: number;
  /** Closes what main opened (pools, workers) after the server stopped taking requests. */
  onClose?: () => Promise<void>;
  /** How long a client may take to send a request's headers, and the whole request. */
  timeouts?: { headersMs: number; requestMs: number };
  /**
   * Also answer HTTP on this Unix domain socket, beside the TCP port: peers on the same machine skip
   * the TCP/IP stack, about half the kernel work of a loopback hop. Empty or absent: TCP only.
   */
  socketPath?: string;
}

let startupGuard: ((error: unknown) => void) | undefined;
let shuttingDown = false;

/**
 * True once a signal (or an uncaught error) began the shutdown. Ctrl+C reaches PostgreSQL and the
 * peers at the same moment, so what fails from then on is the shutdown, not a fault to report.
 */
export const isShuttingDown = (): boolean => shuttingDown;

/**
 * Until the service listens, an error (a bad variable, a taken port, a missing key) ends the process
 * with one line naming the service and exit code 1, not an unhandled error and a stack trace. Call it
 * first in main; runService lifts it once the server listens, when graceful shutdown takes over.
 */
export function exitOnStartupError(service: string): void {
  startupGuard = (error) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${service} could not start: ${reason}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', startupGuard);
}

/**
 * Listens and shuts down gracefully: on SIGTERM or SIGINT the server stops accepting connections,
 * finishes the requests in flight, then the pools close. Kubernetes waits 30 s before SIGKILL, so the
 * grace period stays below that.
 */
export async function runService(app: FastifyInstance, options: RunOptions): Promise<void> {
  // Slightly longer keep-alive than the callers' pools so the server never closes a socket a peer is reusing.
  app.server.keepAliveTimeout = 65_000;
  app.server.headersTimeout = options.timeouts?.headersMs ?? 66_000;
  app.server.requestTimeout = options.timeouts?.requestMs ?? 30_000;

  let socketServer: net.Server | undefined;
  closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
    shuttingDown = true;
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing');
    socketServer?.close();
    await app.close();
    await options.onClose?.();
    await flushTraces().catch((error: unknown) => app.log.warn({ err: error }, 'could not send the last spans'));
  });

  await app.listen({ host: options.host, port: options.port });
  if (options.socketPath) socketServer = await listenOnSocket(app, options.socketPath);
  if (startupGuard !== undefined) process.off('uncaughtException', startupGuard);
}

/** Hands each connection on the socket to the app's own HTTP server, with its timeouts and tracking. */
async function listenOnSocket(app: FastifyInstance, socketPath: string): Promise<net.Server> {
  // A socket file left by a killed process would make listen fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  const server = net.createServer((socket) => app.server.emit('connection', socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  app.log.info({ socketPath }, 'also listening on a Unix socket');
  return server;
}

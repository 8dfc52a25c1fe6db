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

  closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing');
    await app.close();
    await options.onClose?.();
    await flushTraces().catch((error: unknown) => app.log.warn({ err: error }, 'could not send the last spans'));
  });

  await app.listen({ host: options.host, port: options.port });
}

import Fastify, { LogController } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { resolvePeerAddresses } from '@orderflow/http-client';
import { createUpstreamAgent } from '@orderflow/gateway/upstreams';
import { loggerOptions, runService } from '@orderflow/kit';
import { announceBareServer } from './bare-server-process.js';
import { BARE_PATH } from './bare-answer.js';

/** The gateway's UPSTREAM_TIMEOUT_MS default. */
const UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * A bare proxy: Fastify with @fastify/reply-from over the gateway's own upstream dispatcher
 * (createUpstreamAgent, on the Unix socket when the upstream has one), in front of the bare route at
 * UPSTREAM_URL. None of the gateway's hooks, forward auth, header rewriting or rate limiting. Like
 * the gateway, it takes its clients on TCP whatever the transport to its upstream.
 */
const upstream = resolvePeerAddresses([process.env.UPSTREAM_URL ?? '']);
const origin = upstream.addresses[0]!.origin;
const agent = createUpstreamAgent(UPSTREAM_TIMEOUT_MS, upstream.factory);

const app = Fastify({
  logger: loggerOptions('bare-proxy', process.env.LOG_LEVEL ?? 'info'),
  logController: new LogController({ disableRequestLogging: true }),
});
await app.register(replyFrom, { undici: agent, disableRequestLogging: true });
app.get(BARE_PATH, (_request, reply) => reply.from(`${origin}${BARE_PATH}`));

await runService(app, { host: '127.0.0.1', port: 0, onClose: () => agent.close() });
const { port } = app.server.address() as { port: number };
announceBareServer(`http://127.0.0.1:${port}`);

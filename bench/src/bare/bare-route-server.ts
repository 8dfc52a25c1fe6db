import Fastify, { LogController } from 'fastify';
import { loggerOptions, runService } from '@orderflow/kit';
import { announceBareServer } from './bare-server-process.js';
import { BARE_ANSWER, BARE_PATH } from './bare-answer.js';

/**
 * A bare Fastify route: the services' Fastify, logger and request-logging setting, and the same
 * runService (TCP port, and the Unix socket when SOCKET_PATH is set, handed to the same HTTP server),
 * but none of createServiceApp's hooks, schemas, metrics, plugins or error handling, and no database.
 * What a service's request costs above this is what those, and the service's own work, cost.
 */
const app = Fastify({
  logger: loggerOptions('bare-route', process.env.LOG_LEVEL ?? 'info'),
  logController: new LogController({ disableRequestLogging: true }),
});
app.get(BARE_PATH, async () => BARE_ANSWER);

const socketPath = process.env.SOCKET_PATH ?? '';
await runService(app, { host: '127.0.0.1', port: 0, socketPath });
const { port } = app.server.address() as { port: number };
announceBareServer(socketPath === '' ? `http://127.0.0.1:${port}` : `unix:${socketPath}`);

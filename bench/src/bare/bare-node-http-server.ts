import { createServer } from 'node:http';
import { rm } from 'node:fs/promises';
import { announceBareServer } from './bare-server-process.js';
import { BARE_ANSWER, BARE_PATH } from './bare-answer.js';

/**
 * For reference under the bare Fastify route: node:http alone, no framework and no logger, the same
 * answer on the same transport (the Unix socket at SOCKET_PATH, or a TCP port).
 */
const server = createServer((request, response) => {
  request.resume();
  if (request.url !== BARE_PATH) {
    response.writeHead(404).end();
    return;
  }
  const body = JSON.stringify(BARE_ANSWER);
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
});
server.keepAliveTimeout = 65_000;

const socketPath = process.env.SOCKET_PATH ?? '';
if (socketPath !== '') await rm(socketPath, { force: true });
const announce = () => {
  const address = server.address();
  announceBareServer(typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : `unix:${socketPath}`);
};
if (socketPath === '') server.listen(0, '127.0.0.1', announce);
else server.listen(socketPath, announce);

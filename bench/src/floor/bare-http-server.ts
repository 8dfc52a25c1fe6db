import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The far end of the floor's bare round trip: node:http with no framework, no routing and no
 * logging, in a process of its own so each exchange crosses processes as a hop between services
 * does. It tells its port to the bench over IPC and exits when the bench lets go of it.
 */
const server = createServer((request, response) => {
  request.resume();
  response.end('ok');
});
server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
process.on('disconnect', () => process.exit(0));

import { createServer } from 'node:net';

/** A port that was free a moment ago on loopback. */
export function findFreePort(): Promise<number> {
  return listenOnce(0).then((port) => port ?? Promise.reject(new Error('no free port on 127.0.0.1')));
}

/** Whether nothing listens on `port` of loopback right now (a listener on 0.0.0.0 counts). */
export async function isPortFree(port: number): Promise<boolean> {
  return (await listenOnce(port)) !== undefined;
}

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error)));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

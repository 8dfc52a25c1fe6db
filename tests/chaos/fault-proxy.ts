import { connect, createServer, type Socket } from 'node:net';
import { findFreePort } from '@orderflow/stack';

/**
 * What a link between a caller and one replica of its peer does wrong, while it is switched on:
 * - `delay`: every chunk of the answer arrives `ms` later;
 * - `blackhole`: the connection is accepted and the request reaches the callee (which may commit), but
 *   no byte of the answer comes back: the caller learns nothing until its own timeout;
 * - `reset`: the callee's answer starts, then the connection is reset (RST), so the callee has
 *   committed and the caller holds a broken answer;
 * - `refuse`: nothing listens: new connections are refused, open ones are reset, as when the callee dies.
 */
export type NetworkFault = { kind: 'delay'; ms: number } | { kind: 'blackhole' } | { kind: 'reset' } | { kind: 'refuse' };
export type NetworkFaultKind = NetworkFault['kind'];
export const NETWORK_FAULT_KINDS: readonly NetworkFaultKind[] = ['delay', 'blackhole', 'reset', 'refuse'];

export interface FaultProxy {
  /** Where the caller is sent: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Switches a fault on (or off, with undefined); it acts on open connections as well as new ones. */
  setFault(fault: NetworkFault | undefined): Promise<void>;
  /** How often each fault acted: answer chunks delayed or swallowed, answers reset, listener closures. */
  readonly acted: Record<NetworkFaultKind, number>;
  close(): Promise<void>;
}

/** How long the start of an answer is given to reach the caller before the reset. */
const RESET_AFTER_MS = 20;

/**
 * A TCP proxy in front of one process (`http://host:port` or `unix:/path`). Plain bytes, no HTTP
 * parsing: the faults are those of a network, a connection at a time.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const destination = target.startsWith('unix:') ? { path: target.slice('unix:'.length) } : { host: new URL(target).hostname, port: Number(new URL(target).port) };
  const port = await findFreePort();
  const acted: Record<NetworkFaultKind, number> = { delay: 0, blackhole: 0, reset: 0, refuse: 0 };
  const connections = new Set<Socket>();
  let fault: NetworkFault | undefined;

  const server = createServer((client) => {
    const upstream = connect(destination);
    connections.add(client);
    connections.add(upstream);
    // What goes back to the caller (chunks, then the end) leaves in order, after any delay, even when
    // the delay is lifted meanwhile. Under a blackhole nothing goes back, not even the end.
    let releaseAt = 0;
    let isResetting = false;
    const towardsCaller = (send: () => void) => {
      const delayMs = fault?.kind === 'delay' ? fault.ms : 0;
      releaseAt = Math.max(releaseAt, Date.now() + delayMs);
      const waitMs = releaseAt - Date.now();
      if (waitMs <= 0) send();
      else setTimeout(send, waitMs);
    };
    const forget = () => {
      connections.delete(client);
      connections.delete(upstream);
    };
    client.on('error', () => upstream.destroy()).on('close', () => {
      forget();
      upstream.destroy();
    });
    upstream.on('error', () => undefined).on('close', () => {
      forget();
      if (fault?.kind !== 'blackhole' && !isResetting) towardsCaller(() => client.destroy());
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => {
      if (fault?.kind !== 'blackhole' && !isResetting) towardsCaller(() => client.end());
    });
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (isResetting) return;
      if (fault?.kind === 'blackhole') {
        acted.blackhole++;
        return;
      }
      if (fault?.kind === 'reset') {
        acted.reset++;
        isResetting = true;
        client.write(chunk.subarray(0, Math.ceil(chunk.length / 2)), () => {
          setTimeout(() => {
            reset(client);
            upstream.destroy();
          }, RESET_AFTER_MS);
        });
        return;
      }
      if (fault?.kind === 'delay') acted.delay++;
      towardsCaller(() => client.destroyed || client.write(chunk));
    });
  });

  const listen = () => new Promise<void>((resolve, reject) => server.once('error', reject).listen({ port, host: '127.0.0.1' }, () => {
    server.off('error', reject);
    resolve();
  }));
  const stopListening = () => new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // What a dead process leaves its callers: every open connection reset.
    for (const socket of connections) reset(socket);
    connections.clear();
  });
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    acted,
    async setFault(next) {
      const wasRefusing = fault?.kind === 'refuse';
      fault = next;
      if (next?.kind === 'refuse' && !wasRefusing) {
        acted.refuse++;
        await stopListening();
      }
      if (next?.kind !== 'refuse' && wasRefusing) await listen();
    },
    async close() {
      fault = undefined;
      await stopListening();
    },
  };
}

/**
 * An RST rather than a FIN, where the socket is TCP (a Unix socket has no reset) and not already
 * ending: Node 20's resetAndDestroy on a socket whose shutdown is pending leaves the loop spinning.
 */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded) return void socket.destroy();
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

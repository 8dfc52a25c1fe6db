import { Pool } from 'undici';

/**
 * A peer is `http://host:port`, or `unix:/path/to.sock` for a process on the same machine: HTTP over
 * a Unix domain socket skips the TCP/IP stack, about half the kernel work of a loopback hop. `npm
 * start` wires the services that way; Kubernetes, across pods, uses TCP.
 */
export interface PeerAddress {
  /** What requests are addressed to; for a socket, a name only this process uses. */
  origin: string;
  socketPath?: string;
}

const UNIX = 'unix:';

export function isUnixAddress(entry: string): boolean {
  return entry.startsWith(UNIX);
}

/**
 * The addresses of a list of peers, each with an origin of its own, so that one undici Agent can
 * serve them all: its `factory` opens a socket peer's pool on the socket.
 */
export function resolvePeerAddresses(entries: readonly string[]) {
  const socketOf = new Map<string, string>();
  const addresses: PeerAddress[] = entries.map((entry, index) => {
    if (!isUnixAddress(entry)) return { origin: entry.replace(/\/$/, '') };
    const socketPath = entry.slice(UNIX.length);
    const origin = `http://unix-socket-${index}.localhost`;
    socketOf.set(origin, socketPath);
    return { origin, socketPath };
  });
  return {
    addresses,
    /** undici Agent's `factory`: a pool per origin, on its Unix socket when it has one. */
    factory: (origin: string | URL, options: Pool.Options) => new Pool(origin, { ...options, socketPath: socketOf.get(new URL(origin).origin) }),
  };
}

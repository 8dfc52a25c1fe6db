import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** How many ports below the kernel's ephemeral range are candidates. */
const CANDIDATE_SPAN = 12_000;
const ATTEMPTS = 50;
/**
 * Ports handed out by any process of this machine in the last two minutes, one file each: two test
 * files booting systems at once each check a port free, then start their processes a second later,
 * so without a reservation both could pick the same one (seen in CI: auth lost its port to another
 * system's notification, whose /health/ready then answered for it).
 */
const RESERVATIONS = path.join(tmpdir(), 'orderflow-port-reservations');
const RESERVATION_MS = 120_000;

/**
 * A port that was free a moment ago on loopback, picked at random below the kernel's ephemeral range.
 * Port 0 would hand out a port from that range, which every outgoing connection (the services' pools
 * to PostgreSQL and to each other) also draws from: between the pick and the process's listen, one
 * of them could take it. Below the range, only another listener can.
 */
export async function findFreePort(): Promise<number> {
  const range = candidateRange();
  if (range !== undefined) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
      if (reserve(port) && (await listenOnce(port)) !== undefined) return port;
    }
  }
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}

/** Whether this process may hand out `port`: no other did in the last RESERVATION_MS. */
function reserve(port: number): boolean {
  const file = path.join(RESERVATIONS, String(port));
  try {
    mkdirSync(RESERVATIONS, { recursive: true });
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    // A folder that cannot be written leaves the listen check alone, as before reservations.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return true;
    const reservedAt = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (Date.now() - reservedAt < RESERVATION_MS) return false;
    // Stale: the process that reserved it has long started its listener on it, or given it up.
    rmSync(file, { force: true });
    return reserve(port);
  }
}

function candidateRange(): { low: number; high: number } | undefined {
  try {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (ephemeralLow === undefined || !Number.isInteger(ephemeralLow) || ephemeralLow < 2_048) return undefined;
    return { low: Math.max(1_024, ephemeralLow - CANDIDATE_SPAN), high: ephemeralLow - 1 };
  } catch {
    // Not Linux, or no /proc: let the kernel pick.
    return undefined;
  }
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

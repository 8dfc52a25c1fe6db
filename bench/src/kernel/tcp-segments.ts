import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * TCP segments sent so far in this network namespace, from `nstat` (iproute2): absolute counters,
 * without touching nstat's history file. Null when nstat is missing. The count is the namespace's,
 * so other work on the machine's loopback shows in it too.
 */
export async function readTcpSegmentsSent(): Promise<number | null> {
  try {
    const { stdout } = await run('nstat', ['--ignore', '--noupdate', '--zeros', '--json', 'TcpOutSegs']);
    const segments = (JSON.parse(stdout) as { kernel?: { TcpOutSegs?: number } }).kernel?.TcpOutSegs;
    return typeof segments === 'number' ? segments : null;
  } catch {
    return null;
  }
}

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** System calls that hand bytes to the kernel to send or store: one message leaving in several costs several. */
export const WRITE_CALLS = ['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg'] as const;

/** Longer than strace takes to attach to a few dozen threads, even on a loaded machine. */
const ATTACH_TIMEOUT_MS = 10_000;

/** Calls per system call name, and `total`, from the table `strace -c` prints. */
export type SyscallCounts = Record<string, number>;

/**
 * Parses strace's default `-c` table: "% time, seconds, usecs/call, calls, [errors], syscall", one
 * line per call and a closing "total" line. Lines of any other shape (headers, rules) are skipped.
 */
export function parseStraceSummary(text: string): SyscallCounts {
  const counts: SyscallCounts = {};
  for (const line of text.split('\n')) {
    const match = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (match !== null) counts[match[2]!] = (counts[match[2]!] ?? 0) + Number(match[1]);
  }
  return counts;
}

export interface StraceCount {
  /** Resolves once strace has attached to every process given, each with all its threads. */
  attached: Promise<void>;
  /** Interrupts strace (it detaches and writes its table) and returns the counts. */
  stop(): Promise<SyscallCounts>;
}

/**
 * `strace -c -f` on a group of processes (one table for all of them): every thread they have now,
 * and with -f every process or thread they start meanwhile.
 */
export async function startStraceCount(pids: number[]): Promise<StraceCount> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orderflow-strace-'));
  const table = path.join(dir, 'summary.txt');
  const pending = new Set(pids.map(String));
  const child = spawn('strace', ['-c', '-f', '-o', table, ...pids.flatMap((pid) => ['-p', String(pid)])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'close');
  const attached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ATTACH_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    let lastLine = '';
    createInterface({ input: child.stderr }).on('line', (line) => {
      lastLine = line;
      // "Process 123 attached with 11 threads" once -f has seized every thread of 123.
      const pid = /Process (\d+) attached/.exec(line)?.[1];
      if (pid !== undefined) pending.delete(pid);
      if (pending.size === 0) done();
    });
    child.once('error', reject);
    child.once('close', (code) => reject(new Error(`strace exited with ${code} before it attached: ${lastLine}`)));
  });
  return {
    attached,
    async stop() {
      child.kill('SIGINT');
      await exited;
      try {
        // No table when strace never attached: nothing was counted.
        return parseStraceSummary(await readFile(table, 'utf8').catch(() => ''));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

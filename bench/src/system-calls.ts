import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { childPids } from './cpu.js';

/** The calls that hand a message to the kernel: a message sent in two writes counts two. */
const WRITE_CALLS = ['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg'];

export interface SystemCalls {
  paid: number;
  /** Per paid order, by process: all calls, writes, and the most frequent calls. */
  byProcess: Record<string, { calls: number; writes: number; top: string }>;
}

/** `strace -c -f` on one process (all its threads) until interrupted: its summary table. */
async function straceCount(name: string, pids: number[], dir: string) {
  const table = path.join(dir, `strace-${name}.txt`);
  const child = spawn('strace', ['-c', '-f', '-o', table, ...pids.flatMap((pid) => ['-p', String(pid)])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const pending = new Set(pids.map(String));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const [, pid] of stderr.matchAll(/Process (\d+) attached/g)) pending.delete(pid!);
      if (pending.size === 0) resolve();
    });
    child.once('close', () => reject(new Error(`strace on ${name} stopped before it attached: ${stderr.trim().split('\n').at(-1)}`)));
  });
  return async () => {
    child.kill('SIGINT');
    await once(child, 'close');
    const counts: Record<string, number> = {};
    for (const [, calls, syscall] of (await readFile(table, 'utf8')).matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/gm)) counts[syscall!] = Number(calls);
    return counts;
  };
}

/**
 * System calls per paid order of each service and of PostgreSQL (its postmaster and every child),
 * all attached before `load` starts and detached after it ends, so every call of its cycles counts
 * and is divided by all the orders it paid. strace slows what it traces: the rate under it is not
 * the system's, the calls per order are.
 */
export async function countSystemCalls(pids: Record<string, number>, postmasterPid: number, dir: string, load: () => Promise<number>): Promise<SystemCalls> {
  const groups: [string, number[]][] = [...Object.entries(pids).map(([name, pid]): [string, number[]] => [name, [pid]]), ['postgres', [postmasterPid, ...childPids(postmasterPid)]]];
  const stops = await Promise.all(groups.map(([name, group]) => straceCount(name, group, dir)));
  const paid = await load();
  const byProcess: SystemCalls['byProcess'] = {};
  for (const [index, stop] of stops.entries()) {
    const counts = Object.entries(await stop()).filter(([syscall]) => syscall !== 'total');
    const per = (n: number) => n / paid;
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([syscall, n]) => `${syscall} ${per(n).toFixed(1)}`);
    byProcess[groups[index]![0]] = { calls: per(counts.reduce((sum, [, n]) => sum + n, 0)), writes: per(counts.filter(([s]) => WRITE_CALLS.includes(s)).reduce((sum, [, n]) => sum + n, 0)), top: top.join(', ') };
  }
  return { paid, byProcess };
}

import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time from /proc, in a few lines rather than a library: pidusage and its kin report one pid's
 * own time, and PostgreSQL's cost is its postmaster's whole tree, backends that already exited
 * included (the kernel adds those to the postmaster's cutime/cstime once reaped). USER_HZ is 100.
 */
const MS_PER_TICK = 10;

function readStat(pid: number): { ppid: number; ownMs: number; reapedMs: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After the parenthesised command name: field 3 (state) onwards; ppid is 4, utime..cstime 14–17.
  const field = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  return { ppid: field[1]!, ownMs: (field[11]! + field[12]!) * MS_PER_TICK, reapedMs: (field[13]! + field[14]!) * MS_PER_TICK };
}

/** The live children of a process: PostgreSQL's backends and helpers, for a postmaster. */
export function childPids(parentPid: number): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name) && readStat(Number(name))?.ppid === parentPid).map(Number);
}

function postgresTreeMs(postmasterPid: number): number {
  const postmaster = readStat(postmasterPid);
  const own = postmaster === null ? 0 : postmaster.ownMs + postmaster.reapedMs;
  return childPids(postmasterPid).reduce((total, pid) => total + (readStat(pid)?.ownMs ?? 0), own);
}

/** Busy CPU ms of the whole machine, over all cores (/proc/stat: all but idle and iowait). */
function machineBusyMs(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) * MS_PER_TICK;
}

export type CpuSample = Record<string, number>;

/** CPU ms so far of each named process, PostgreSQL's tree, the load generator and the machine. */
export function sampleCpu(pids: Record<string, number>, postmasterPid: number): CpuSample {
  const sample: CpuSample = {};
  for (const [name, pid] of Object.entries(pids)) sample[name] = readStat(pid)?.ownMs ?? 0;
  sample.postgres = postgresTreeMs(postmasterPid);
  const own = process.cpuUsage();
  sample['load generator'] = (own.user + own.system) / 1000;
  sample.machine = machineBusyMs();
  return sample;
}

/** CPU ms between two samples per process, with "other processes" = the machine minus all of them. */
export function cpuBetween(start: CpuSample, end: CpuSample): Record<string, number> {
  const used: Record<string, number> = {};
  for (const name of Object.keys(end)) used[name] = end[name]! - start[name]!;
  const named = Object.entries(used).filter(([name]) => name !== 'machine').reduce((sum, [, ms]) => sum + ms, 0);
  used['other processes'] = Math.max(0, used.machine! - named);
  return used;
}

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every common Linux). */
const TICKS_PER_SECOND = readTicksPerSecond();

function readTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in ms. */
  ownMs: number;
  /** cutime + cstime: children that exited and were reaped, in ms. */
  reapedChildrenMs: number;
}

function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself hold spaces and parentheses.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 of proc(5): state; ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
  const field = (n: number) => Number(fields[n - 3]);
  const toMs = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
  return { pid, ppid: field(4), comm, ownMs: toMs(field(14) + field(15)), reapedChildrenMs: toMs(field(16) + field(17)) };
}

/** A process's CPU time so far in ms, or null once it is gone. */
export function readProcessCpuMs(pid: number): number | null {
  return readProcStat(pid)?.ownMs ?? null;
}

/**
 * PostgreSQL's CPU time so far: the postmaster, its live children (backends, WAL writer,
 * checkpointer…), and the children that already exited, which the kernel adds to the postmaster's
 * reaped-children time. Null when the postmaster is not a process of this machine.
 */
export function readPostgresCpuMs(postmasterPid: number): number | null {
  const postmaster = readProcStat(postmasterPid);
  if (postmaster === null) return null;
  let total = postmaster.ownMs + postmaster.reapedChildrenMs;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat !== null && stat.ppid === postmasterPid) total += stat.ownMs;
  }
  return total;
}

/** The live children of a process: PostgreSQL's backends and helpers, for a postmaster. */
export function findChildPids(parentPid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => readProcStat(Number(name))?.ppid === parentPid)
    .map(Number);
}

/** The postmaster of a backend whose pid `SELECT pg_backend_pid()` gave, if it runs on this machine. */
export function findPostmasterOfBackend(backendPid: number): number | null {
  const backend = readProcStat(backendPid);
  if (backend === null || !backend.comm.startsWith('postgres')) return null;
  const parent = readProcStat(backend.ppid);
  return parent !== null && parent.comm.startsWith('postgres') ? parent.pid : null;
}

/** The whole machine, from /proc/stat: busy and total jiffies over all cores. */
function readMachineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

export interface CpuSample {
  at: number;
  /** CPU ms so far by process name; null for a process that cannot be measured. */
  byProcess: Record<string, number | null>;
  machine: { busy: number; total: number };
}

export interface CpuUsage {
  windowS: number;
  /** CPU ms spent in the window, by process name. */
  cpuMs: Record<string, number | null>;
  /** The share of the whole machine (every core) that was busy, 0–100. */
  machineBusyPercent: number;
  /** CPU ms of every process on the machine: what the named processes do not explain is other work. */
  machineBusyMs: number;
  cores: number;
}

/**
 * Reads the CPU time of named processes (the system's processes by pid, PostgreSQL's process tree,
 * and this load generator) so a phase can charge each one's milliseconds to the orders it paid.
 */
export function createCpuProbe(pids: Record<string, number | undefined>, postmasterPid: number | null, cores: number) {
  return {
    sample(): CpuSample {
      const byProcess: Record<string, number | null> = {};
      for (const [name, pid] of Object.entries(pids)) byProcess[name] = pid === undefined ? null : readProcessCpuMs(pid);
      byProcess.postgres = postmasterPid === null ? null : readPostgresCpuMs(postmasterPid);
      const own = process.cpuUsage();
      byProcess['load generator'] = (own.user + own.system) / 1000;
      return { at: performance.now(), byProcess, machine: readMachineTicks() };
    },
    between(start: CpuSample, end: CpuSample): CpuUsage {
      const cpuMs: Record<string, number | null> = {};
      for (const name of Object.keys(end.byProcess)) {
        const before = start.byProcess[name];
        const after = end.byProcess[name];
        cpuMs[name] = before === null || before === undefined || after === null || after === undefined ? null : after - before;
      }
      const total = end.machine.total - start.machine.total;
      return {
        windowS: (end.at - start.at) / 1000,
        cpuMs,
        machineBusyPercent: total > 0 ? (100 * (end.machine.busy - start.machine.busy)) / total : 0,
        machineBusyMs: ((end.machine.busy - start.machine.busy) * 1000) / TICKS_PER_SECOND,
        cores,
      };
    },
  };
}
export type CpuProbe = ReturnType<typeof createCpuProbe>;

import { readFileSync } from 'node:fs';

/** Alive and not a zombie waiting for its parent to read its exit. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Synchronous on purpose: a small /proc file, read from polling loops and an exit handler.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

/** Whether `pid` is a PostgreSQL serving `dataDir`: a pid from a stale postmaster.pid may be anyone's now. */
export function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    return isRunning(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir);
  } catch {
    return false;
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * The bench's side and the server's side of a bare server in a process of its own (so its CPU is
 * its own in /proc, as a service's is): the server says where it answers over IPC, once listening,
 * and exits when the bench lets go of it.
 */
export interface BareServer {
  pid: number;
  /** `http://127.0.0.1:<port>` or `unix:<socket>`, as a service's peer address is written. */
  address: string;
  stop(): Promise<void>;
}

export async function forkBareServer(script: string, env: Record<string, string>, cpuProfDir: string | undefined): Promise<BareServer> {
  const name = script.replace(/\.js$/, '');
  // The same profile the services write with --cpu-prof, named so it can be told from theirs.
  const execArgv = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`];
  const child: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const address = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve(String(message)));
    child.once('exit', (code) => reject(new Error(`${name} exited (${String(code)}) before it listened`)));
  });
  return {
    pid: child.pid!,
    address,
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/** In the server: tell the bench where to send requests, and exit (profile written) when it lets go. */
export function announceBareServer(address: string): void {
  process.on('disconnect', () => process.exit(0));
  process.send?.(address);
}

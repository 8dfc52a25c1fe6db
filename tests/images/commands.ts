import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface CommandResult {
  code: number;
  /** stdout and stderr as they came, interleaved. */
  output: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the command's standard input, then closed. */
  input?: string | Buffer | NodeJS.ReadableStream;
  /** Killed (SIGKILL) after this long; the result then has code 124, like timeout(1). */
  timeoutMs?: number;
  /** Everything the command prints also goes to this file. */
  logFile?: string;
  /** Also printed as it comes. */
  echo?: boolean;
}

/** Runs a program (no shell) and keeps what it prints. Never throws for a non-zero exit. */
export function run(program: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile);
    const chunks: Buffer[] = [];
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      log?.write(chunk);
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), options.timeoutMs);
    const input = options.input;
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else input.pipe(child.stdin);
    // A program that exits before reading all of its input is not an error of ours.
    child.stdin.on('error', () => {});
    const finish = (code: number, extra = '') => {
      if (timer !== undefined) clearTimeout(timer);
      if (extra !== '') keep(Buffer.from(extra));
      log?.end();
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    };
    child.once('error', (error) => finish(127, `${program}: ${error.message}\n`));
    child.once('close', (code, signal) => finish(timedOut ? 124 : (code ?? 128), timedOut ? `\n(killed after ${options.timeoutMs} ms)\n` : signal ? `\n(ended by ${signal})\n` : ''));
  });
}

export class CommandError extends Error {
  override name = 'CommandError';
}

/** Runs a program and returns its output; a non-zero exit throws with the command and the output's last lines. */
export async function runOrThrow(program: string, args: string[], options: CommandOptions = {}): Promise<string> {
  const result = await run(program, args, options);
  if (result.code !== 0) throw new CommandError(`${[program, ...args].join(' ')} exited ${result.code}${formatTail(result.output)}${options.logFile ? `\n(whole output: ${options.logFile})` : ''}`);
  return result.output;
}

/** The last lines of a command's output, indented, for an error message. */
export function formatTail(output: string, lines = 40): string {
  const tail = output.trimEnd().split('\n').slice(-lines);
  return tail.length === 0 || tail[0] === '' ? '' : `; its last lines:\n    ${tail.join('\n    ')}`;
}

/** Whether a program is on PATH (or at an absolute path). */
export async function hasProgram(program: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v "$1" >/dev/null`, 'sh', program])).code === 0;
}

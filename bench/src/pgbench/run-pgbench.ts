import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export interface PgbenchRun {
  /** Runs of the script per second, connection time left out (pgbench's "tps"). */
  tps: number;
  /** Runs of the script completed. */
  processed: number;
  failed: number;
  latencyAverageMs: number;
}

/**
 * libpq's settings for a postgres:// URL as pg reads it, in the environment rather than on the
 * command line, where any process list shows them. `?host=` names a Unix socket's folder.
 */
function libpqEnvironment(url: string): Record<string, string> {
  const parsed = new URL(url);
  const env: Record<string, string> = {
    PGHOST: parsed.searchParams.get('host') ?? parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
  };
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode !== null) env.PGSSLMODE = sslmode;
  return env;
}

export async function readPgbenchVersion(): Promise<string> {
  const { stdout } = await promisify(execFile)('pgbench', ['--version']);
  return stdout.trim();
}

function readNumber(summary: string, pattern: RegExp): number {
  const match = pattern.exec(summary);
  if (match === null) throw new Error(`pgbench's summary has no ${pattern.source}:\n${summary}`);
  return Number(match[1]);
}

/**
 * `pgbench -n -M prepared` with one custom script, for a time or a count: every client a connection of its
 * own that prepares each statement once, `-n` because there are no pgbench tables to vacuum.
 * `onProgress` gets the tps pgbench reports each second.
 */
export async function runPgbench(options: {
  url: string;
  script: string;
  variables: Record<string, string>;
  clients: number;
  threads: number;
  /** How long it runs (-T), or how many runs of the script each client makes (-t). */
  length: { seconds: number } | { runsPerClient: number };
  onProgress?: (tps: number) => void;
}): Promise<PgbenchRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orderflow-pgbench-'));
  try {
    const file = path.join(dir, 'script.sql');
    await writeFile(file, options.script);
    const length = 'seconds' in options.length ? ['-T', String(options.length.seconds)] : ['-t', String(options.length.runsPerClient)];
    const args = ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', String(options.threads), ...length, '-P', '1', '-f', file];
    for (const [name, value] of Object.entries(options.variables)) args.push('-D', `${name}=${value}`);
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...libpqEnvironment(options.url) } });
    let summary = '';
    const errors: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => (summary += chunk.toString()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      const tps = /^progress: [\d.]+ s, ([\d.]+) tps/.exec(line)?.[1];
      if (tps !== undefined) options.onProgress?.(Number(tps));
      else errors.push(line);
    });
    const [code] = (await once(child, 'close')) as [number | null];
    if (code !== 0) throw new Error(`pgbench exited with ${code}: ${errors.slice(-5).join(' | ')}`);
    return {
      tps: readNumber(summary, /^tps = ([\d.]+)/m),
      processed: readNumber(summary, /^number of transactions actually processed: (\d+)/m),
      failed: /^number of failed transactions: (\d+)/m.test(summary) ? readNumber(summary, /^number of failed transactions: (\d+)/m) : 0,
      latencyAverageMs: readNumber(summary, /^latency average = ([\d.]+) ms/m),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import { spawn } from 'node:child_process';
import { chmod, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { withClient } from '@orderflow/db';

const cleanups = new WeakMap<TestContext, (() => unknown)[]>();

/** Like t.after, but the step registered last runs first: a server stops before its folder goes. */
export function defer(t: TestContext, step: () => unknown): void {
  let steps = cleanups.get(t);
  if (steps === undefined) {
    const registered: (() => unknown)[] = [];
    cleanups.set(t, registered);
    t.after(async () => {
      for (const next of registered.reverse()) await next();
    });
    steps = registered;
  }
  steps.push(step);
}

/** A new folder for one test, removed after it; `isPrivate` keeps mktemp's mode 700. */
export async function makeFolder(t: TestContext, name: string, { isPrivate = false } = {}): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), `orderflow-stack-test-${name}-`));
  if (!isPrivate) await chmod(folder, 0o755);
  defer(t, () => rm(folder, { recursive: true, force: true }));
  return folder;
}

export async function query<Row extends pg.QueryResultRow>(adminUrl: string, sql: string): Promise<Row[]> {
  return withClient(adminUrl, async (client) => (await client.query<Row>(sql)).rows);
}

/** The cluster the server behind `adminUrl` says it runs on, as a real path. */
export async function servedDataDirectory(adminUrl: string): Promise<string> {
  const [row] = await query<{ data_directory: string }>(adminUrl, 'SHOW data_directory');
  return realpath(row!.data_directory);
}

export async function hasTable(adminUrl: string, name: string): Promise<boolean> {
  const rows = await query<{ name: string | null }>(adminUrl, `SELECT to_regclass('public.${name}')::text AS name`);
  return rows[0]?.name === name;
}

export function adminUrlOf(port: number): string {
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

const HOLDER = fileURLToPath(new URL('./fixtures/hold-embedded-postgres.js', import.meta.url));

export type Hold = { isUp: true; port: number; dataDir: string; servedDataDirectory: string } | { isUp: false; exitCode: number | null; stderr: string };

/**
 * Starts a data folder in a process of its own (test/fixtures/hold-embedded-postgres.ts) and
 * resolves once it is up or has given up; an up one is stopped after the test.
 */
export function holdInProcess(t: TestContext, dataDir: string, preferredPort: number): Promise<Hold> {
  const child = spawn(process.execPath, [HOLDER, dataDir, String(preferredPort)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  defer(t, async () => {
    child.stdin.end();
    await exited;
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ isUp: true, ...(JSON.parse(line) as { port: number; dataDir: string; servedDataDirectory: string }) }));
    void exited.then((exitCode) => resolve({ isUp: false, exitCode, stderr }));
  });
}

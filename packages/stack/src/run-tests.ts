import { spawn } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startScratchPostgres } from './scratch-postgres.js';
import { exitOnStartupError, StartupError } from './startup-error.js';
import { repoRoot } from './paths.js';

/**
 * `npm test`'s runner: starts one real PostgreSQL for the whole run (embedded, in a temporary folder,
 * unless TEST_DATABASE_URL names a server), then runs every workspace's tests with node's test
 * runner. Each test file creates its own databases on that server.
 *
 * Tests are found by their sources, `*.test.ts` in every workspace and in tests/, never by what an
 * old build left in dist/: a deleted test cannot run (and `npm test` builds from a clean tree anyway).
 * tsc's workspaces run compiled, from dist/; the storefront, which vite bundles and tsc only checks,
 * runs its sources through tsx.
 */
interface TestGroup {
  files: string[];
  nodeOptions: string[];
}

async function workspaceFolders(): Promise<string[]> {
  const { workspaces } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  const folders = await Promise.all(
    workspaces.map(async (pattern) => {
      if (!pattern.endsWith('/*')) return [pattern];
      const parent = pattern.slice(0, -2);
      return (await readdir(path.join(repoRoot, parent), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => path.join(parent, entry.name));
    }),
  );
  return [...folders.flat(), 'tests'].map((folder) => path.join(repoRoot, folder));
}

async function findTestSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(dir, file).split(path.sep).some((part) => part === 'dist' || part === 'node_modules'))
    .sort();
}

/** Whether tsc emits the folder's code (to its dist/), or only checks it (`noEmit`, the storefront). */
async function isCompiled(folder: string): Promise<boolean> {
  const tsconfig = await readFile(path.join(folder, 'tsconfig.json'), 'utf8').catch(() => undefined);
  return tsconfig !== undefined && !/"noEmit"\s*:\s*true/.test(tsconfig);
}

async function collectTestGroups(): Promise<TestGroup[]> {
  const compiled: string[] = [];
  const fromSource: string[] = [];
  const unbuilt: string[] = [];
  for (const folder of await workspaceFolders()) {
    const sources = await findTestSources(folder);
    if (!(await isCompiled(folder))) {
      fromSource.push(...sources);
      continue;
    }
    for (const source of sources) {
      const output = path.join(folder, 'dist', path.relative(folder, source).replace(/\.ts$/, '.js'));
      if (await access(output).then(() => true, () => false)) compiled.push(output);
      else unbuilt.push(path.relative(repoRoot, source));
    }
  }
  if (unbuilt.length > 0) throw new StartupError(`${unbuilt.length} test file(s) are not built (${unbuilt.slice(0, 3).join(', ')}${unbuilt.length > 3 ? ', …' : ''}); run \`npm test\`, which builds first, or \`npm run build\`.`);
  return [
    { files: compiled, nodeOptions: [] },
    { files: fromSource, nodeOptions: ['--import=tsx'] },
  ].filter((group) => group.files.length > 0);
}

/** Files named on the command line: compiled .js as they are, a .ts source (the storefront's) through tsx. */
function groupsOf(files: string[]): TestGroup[] {
  const resolved = files.map((file) => path.resolve(file));
  return [
    { files: resolved.filter((file) => !file.endsWith('.ts')), nodeOptions: [] },
    { files: resolved.filter((file) => file.endsWith('.ts')), nodeOptions: ['--import=tsx'] },
  ].filter((group) => group.files.length > 0);
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const groups = only.length > 0 ? groupsOf(only) : await collectTestGroups().catch(exitOnStartupError('npm test'));
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
  const tapDir = await mkdtemp(path.join(tmpdir(), 'orderflow-tap-'));
  try {
    let code = 0;
    const tapFiles: string[] = [];
    for (const [index, group] of groups.entries()) {
      const tapFile = path.join(tapDir, `results-${index}.tap`);
      tapFiles.push(tapFile);
      const child = spawn(
        process.execPath,
        [...group.nodeOptions, '--test', '--test-concurrency=2', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...group.files],
        { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: adminUrl } },
      );
      const exitCode = await new Promise<number>((resolve) => child.on('close', (groupCode) => resolve(groupCode ?? 1)));
      if (code === 0) code = exitCode;
    }
    console.log(await summarise(tapFiles));
    return code;
  } finally {
    await cleanup();
    await rm(tapDir, { recursive: true, force: true });
  }
}

/** The plain closing line: "tests: N passed, N failed, N skipped", from the TAP reports' totals. */
async function summarise(tapFiles: string[]): Promise<string> {
  const taps = await Promise.all(tapFiles.map((file) => readFile(file, 'utf8').catch(() => '')));
  const total = (name: string) => taps.reduce((sum, tap) => sum + Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0), 0);
  return `tests: ${total('pass')} passed, ${total('fail') + total('cancelled')} failed, ${total('skipped')} skipped`;
}

process.exitCode = await main();

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

/**
 * A workspace's package.json dependencies and tsconfig references say what it uses; both must be what
 * its code imports, no more and no less, or a build order, an image's installed packages or a
 * reader's picture of the dependency graph is wrong.
 */
interface Workspace {
  dir: string;
  name?: string;
  dependencies: Set<string>;
  devDependencies: Set<string>;
  /** Packages imported by shipped code (src/), and by everything else (tests, tools). */
  shippedImports: Set<string>;
  otherImports: Set<string>;
  references?: Set<string>;
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+|\brequire(?:\.resolve)?\(\s*)'([^'.][^']*)'/gm;

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes('dist') && !file.split(path.sep).includes('node_modules'));
}

function importsOf(files: string[]): Set<string> {
  const found = new Set<string>();
  for (const file of files) for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const name = packageOf(match[1]!);
    if (name !== undefined) found.add(name);
  }
  return found;
}

function readJson(file: string): Record<string, unknown> | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : undefined;
}

function readWorkspace(dir: string): Workspace {
  const manifest = readJson(path.join(dir, 'package.json'));
  const tsconfig = readJson(path.join(dir, 'tsconfig.json'));
  const isShipped = (file: string) => file.startsWith(path.join(dir, 'src') + path.sep);
  // tests/ ships nothing: every file there is a test or a test's tool.
  const files = sourceFiles(dir).concat(existsSync(path.join(dir, 'vite.config.ts')) ? [path.join(dir, 'vite.config.ts')] : []);
  return {
    dir,
    name: manifest?.name as string | undefined,
    dependencies: new Set(Object.keys((manifest?.dependencies as object | undefined) ?? {})),
    devDependencies: new Set(Object.keys((manifest?.devDependencies as object | undefined) ?? {})),
    shippedImports: importsOf(files.filter((file) => manifest !== undefined && isShipped(file))),
    otherImports: importsOf(files.filter((file) => manifest === undefined || !isShipped(file))),
    references: tsconfig?.compilerOptions !== undefined && (tsconfig.compilerOptions as { noEmit?: boolean }).noEmit === true
      ? undefined
      : new Set(((tsconfig?.references as { path: string }[] | undefined) ?? []).map((reference) => path.resolve(dir, reference.path))),
  };
}

const root = readWorkspace(repoRoot);
const workspaces = ['packages', 'services']
  .flatMap((folder) => readdirSync(path.join(repoRoot, folder), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => path.join(repoRoot, folder, entry.name)))
  .concat(['web', 'bench', 'tests'].map((name) => path.join(repoRoot, name)))
  .map(readWorkspace);
const dirOf = new Map(workspaces.filter((workspace) => workspace.name !== undefined).map((workspace) => [workspace.name!, workspace.dir]));
const label = (workspace: Workspace) => path.relative(repoRoot, workspace.dir);
const isTypesOnly = (name: string) => name.startsWith('@types/');

describe('workspace dependencies', () => {
  for (const workspace of workspaces) {
    if (workspace.references !== undefined) {
      test(`${label(workspace)}'s tsconfig references exactly the workspaces its code imports`, () => {
        const imported = [...workspace.shippedImports, ...workspace.otherImports].map((name) => dirOf.get(name)).filter((dir): dir is string => dir !== undefined && dir !== workspace.dir);
        assert.deepEqual([...workspace.references!].map((dir) => path.relative(repoRoot, dir)).sort(), [...new Set(imported)].map((dir) => path.relative(repoRoot, dir)).sort());
      });
    }
    if (workspace.name === undefined) {
      test(`${label(workspace)} imports only what the root package.json provides`, () => {
        const undeclared = [...workspace.otherImports].filter((name) => !dirOf.has(name) && !root.devDependencies.has(name) && !root.dependencies.has(name));
        assert.deepEqual(undeclared, []);
      });
      continue;
    }
    test(`${label(workspace)}'s package.json dependencies are exactly what its src/ imports`, () => {
      assert.deepEqual([...workspace.dependencies].filter((name) => !isTypesOnly(name)).sort(), [...workspace.shippedImports].filter((name) => name !== workspace.name).sort());
    });
    test(`${label(workspace)}'s tests and tools import only declared packages`, () => {
      const declared = (name: string) => workspace.dependencies.has(name) || workspace.devDependencies.has(name) || root.devDependencies.has(name) || name === workspace.name;
      assert.deepEqual([...workspace.otherImports].filter((name) => !declared(name)), []);
    });
  }
});

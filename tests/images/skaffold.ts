import { readRepoFile, readYaml } from '../deploy/manifests.js';
import { parseDockerfile, type Dockerfile } from '../deploy/dockerfile.js';

/** One image `skaffold build` makes: its name (what the Deployments say in `image:`), how to build it. */
export interface Artifact {
  image: string;
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  target: string | undefined;
}

interface SkaffoldConfig {
  build?: {
    artifacts?: {
      image?: string;
      context?: string;
      docker?: { dockerfile?: string; buildArgs?: Record<string, string | null>; target?: string };
      [builder: string]: unknown;
    }[];
  };
}

/** The artifacts skaffold.yaml builds by default (no profile), in its order. */
export function readArtifacts(file = 'skaffold.yaml'): Artifact[] {
  const config = readYaml(file) as SkaffoldConfig;
  const artifacts = config.build?.artifacts ?? [];
  if (artifacts.length === 0) throw new Error(`${file} lists no build.artifacts`);
  return artifacts.map((artifact, index) => {
    const where = `${file} build.artifacts[${index}]`;
    if (typeof artifact.image !== 'string' || artifact.image === '') throw new Error(`${where} has no image`);
    const builders = Object.keys(artifact).filter((key) => !['image', 'context', 'docker', 'sync', 'requires', 'platforms', 'hooks'].includes(key));
    if (builders.length > 0) throw new Error(`${where} (${artifact.image}) uses ${builders.join(', ')}; only docker builds are made here`);
    const buildArgs = Object.fromEntries(Object.entries(artifact.docker?.buildArgs ?? {}).map(([name, value]) => [name, value ?? '']));
    return { image: artifact.image, context: artifact.context ?? '.', dockerfile: artifact.docker?.dockerfile ?? 'Dockerfile', buildArgs, target: artifact.docker?.target };
  });
}

export function readDockerfile(artifact: Artifact): Dockerfile {
  const relative = artifact.context === '.' ? artifact.dockerfile : `${artifact.context}/${artifact.dockerfile}`;
  return parseDockerfile(readRepoFile(relative));
}

/**
 * The registry images a Dockerfile starts from, by the ARG that names them (`FROM ${NODE_IMAGE}`),
 * each with its default. A FROM that names a registry image outright has no ARG to replace it: an error.
 */
export function listBaseImageArgs(dockerfile: Dockerfile, source: string): Map<string, string> {
  const stageNames = new Set(dockerfile.stages.map((stage) => stage.name).filter((name) => name !== undefined));
  const args = new Map<string, string>();
  for (const stage of dockerfile.stages) {
    if (stageNames.has(stage.from)) continue;
    const arg = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(stage.from)?.[1];
    if (arg === undefined) throw new Error(`${source}: FROM ${stage.from} names a registry image, which cannot be pulled here; take it as an ARG, as NODE_IMAGE is`);
    args.set(arg, dockerfile.globalArgs.get(arg) ?? '');
  }
  return args;
}

/** The Node major of an official Node image reference, e.g. node:26-slim -> 26. */
export function nodeMajorOf(image: string): number {
  const major = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.-]|$)/.exec(image)?.[1];
  if (major === undefined) throw new Error(`${image} is not an official Node image with a major version in its tag`);
  return Number(major);
}

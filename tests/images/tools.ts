import { NGINX } from '../support/nginx.js';
import { hasProgram, runOrThrow } from './commands.js';

/** Each program the run uses and the Debian package that brings it. */
const DEBIAN_PROGRAMS: Record<string, string> = {
  buildah: 'buildah',
  podman: 'podman',
  runc: 'runc',
  debootstrap: 'debootstrap',
  // PostgreSQL's init script talks to the server with psql, as in the postgres image.
  psql: 'postgresql-client',
  // The run's private network namespace needs its loopback brought up.
  ip: 'iproute2',
  unshare: 'util-linux',
};

/**
 * Installs from Debian's packages whatever is missing (as root, no Docker daemon: buildah builds,
 * podman runs), and checks for what Debian cannot give: kubectl, which renders the overlay as the
 * deploy tests do (Debian's kubernetes-client is too old for its kustomization).
 */
export async function installTools(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: buildah and podman run rootful here, and the run makes a network namespace of its own');
  const missing: string[] = [];
  for (const [program, debianPackage] of Object.entries(DEBIAN_PROGRAMS)) {
    if (!(await hasProgram(program))) missing.push(debianPackage);
  }
  if (NGINX === undefined) missing.push('nginx');
  if (missing.length > 0) {
    console.log(`   installing ${missing.join(', ')} from Debian's packages`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runOrThrow('apt-get', ['update', '-qq'], { env });
    await runOrThrow('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  }
  if (!(await hasProgram('kubectl'))) throw new Error('kubectl is not installed; it renders deploy/k8s/overlays/ingress-nginx (kubectl kustomize), as tests/deploy does');
}

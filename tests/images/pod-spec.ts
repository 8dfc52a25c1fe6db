import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { KubeObject } from '../deploy/manifests.js';

/**
 * What the kubelet makes of a pod's spec, said as podman flags: the environment (envFrom, then env),
 * the pod's and the container's securityContext, the limits, the volumes and the command. Anything in
 * those fields this does not know how to honour is an error, so a new hardening setting can never be
 * dropped without a word.
 */

interface DataObject extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function findData(objects: KubeObject[], kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name) as DataObject | undefined;
  if (found === undefined) return undefined;
  if (kind === 'ConfigMap') return { ...found.data };
  // kustomize folds long base64 values over several lines; the API server's decoder skips the breaks.
  const decoded = Object.entries(found.data ?? {}).map(([key, value]) => [key, Buffer.from(value.replace(/\s/g, ''), 'base64').toString('utf8')]);
  return { ...Object.fromEntries(decoded), ...found.stringData };
}

/** The environment the container starts with, from the rendered ConfigMaps and Secrets. */
export function resolveEnvironment(container: IContainer, objects: KubeObject[], where: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const [kind, ref] = source.configMapRef ? (['ConfigMap', source.configMapRef] as const) : source.secretRef ? (['Secret', source.secretRef] as const) : [undefined, undefined];
    if (kind === undefined) throw new Error(`${where}: an envFrom entry with neither configMapRef nor secretRef`);
    const data = findData(objects, kind, ref.name ?? '');
    if (data === undefined) {
      if (ref.optional) continue;
      throw new Error(`${where}: envFrom ${kind} ${ref.name} is not in the rendered manifests`);
    }
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom === undefined) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const { configMapKeyRef, secretKeyRef } = variable.valueFrom;
    const ref = configMapKeyRef ?? secretKeyRef;
    if (ref === undefined) throw new Error(`${where}: env ${variable.name} takes its value from a field or resource, which is not supported here`);
    const value = findData(objects, configMapKeyRef ? 'ConfigMap' : 'Secret', ref.name ?? '')?.[ref.key];
    if (value === undefined) {
      if (ref.optional) continue;
      throw new Error(`${where}: env ${variable.name} refers to ${configMapKeyRef ? 'ConfigMap' : 'Secret'} ${ref.name} key ${ref.key}, which is not rendered`);
    }
    env[variable.name] = value;
  }
  return env;
}

const POD_SECURITY_FIELDS = ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'fsGroup', 'supplementalGroups', 'seccompProfile'];
const CONTAINER_SECURITY_FIELDS = ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'capabilities', 'seccompProfile', 'privileged'];

function assertKnown(value: object | undefined, known: string[], where: string): void {
  const unknown = Object.keys(value ?? {}).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: securityContext.${unknown.join(', ')} is not supported here`);
}

/** A Kubernetes quantity in bytes (memory) or cores (cpu): 256Mi, 1Gi, 500m, 2. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([0-9.]+)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(quantity);
  if (match === null) throw new Error(`cannot read the quantity ${quantity}`);
  const factors: Record<string, number> = { m: 1e-3, k: 1e3, Ki: 1024, M: 1e6, Mi: 1024 ** 2, G: 1e9, Gi: 1024 ** 3, T: 1e12, Ti: 1024 ** 4 };
  return Number(match[1]) * (match[2] === undefined ? 1 : (factors[match[2]] ?? 1));
}

export interface RunAs {
  uid: number;
  gid: number | undefined;
}

/**
 * Who the container runs as (runAsUser/runAsGroup, the container's over the pod's, else the image's
 * USER), refused as the kubelet refuses it when runAsNonRoot is set and that is root or not a number.
 */
export function resolveRunAs(pod: IPodSpec, container: IContainer, imageUser: string, where: string): RunAs | undefined {
  const podContext = pod.securityContext ?? {};
  const context = container.securityContext ?? {};
  const [imageUid, imageGid] = imageUser.split(':');
  const uid = context.runAsUser ?? podContext.runAsUser ?? (imageUid !== undefined && /^\d+$/.test(imageUid) ? Number(imageUid) : undefined);
  const gid = context.runAsGroup ?? podContext.runAsGroup ?? (imageGid !== undefined && /^\d+$/.test(imageGid) ? Number(imageGid) : undefined);
  if (context.runAsNonRoot ?? podContext.runAsNonRoot) {
    if (uid === undefined && imageUser !== '') throw new Error(`${where}: runAsNonRoot, and the image's user "${imageUser}" is not numeric (the kubelet cannot verify it)`);
    if (uid === undefined || uid === 0) throw new Error(`${where}: runAsNonRoot, and the container would run as root`);
  }
  return uid === undefined ? undefined : { uid, gid };
}

/** podman run flags for what the pod and container spec say about security, limits and volumes. */
export function podmanFlags(pod: IPodSpec, container: IContainer, runAs: RunAs | undefined, where: string): string[] {
  const podContext = pod.securityContext ?? {};
  const context = container.securityContext ?? {};
  assertKnown(podContext, POD_SECURITY_FIELDS, `${where} (pod)`);
  assertKnown(context, CONTAINER_SECURITY_FIELDS, where);
  const flags: string[] = [];

  if (runAs !== undefined) flags.push('--user', runAs.gid === undefined ? String(runAs.uid) : `${runAs.uid}:${runAs.gid}`);
  for (const group of [...(podContext.fsGroup === undefined ? [] : [podContext.fsGroup]), ...(podContext.supplementalGroups ?? [])]) flags.push('--group-add', String(group));

  const seccomp = context.seccompProfile ?? podContext.seccompProfile;
  if (seccomp?.type === 'Unconfined') flags.push('--security-opt', 'seccomp=unconfined');
  // RuntimeDefault is podman's default profile; Localhost profiles live on a node.
  else if (seccomp !== undefined && seccomp.type !== 'RuntimeDefault') throw new Error(`${where}: seccompProfile ${seccomp.type} is not supported here`);

  if (context.privileged) flags.push('--privileged');
  if (context.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  // Without --read-only-tmpfs=false podman would add writable /tmp, /run and /var/tmp of its own.
  if (context.readOnlyRootFilesystem) flags.push('--read-only', '--read-only-tmpfs=false');
  for (const capability of context.capabilities?.drop ?? []) flags.push('--cap-drop', capability);
  for (const capability of context.capabilities?.add ?? []) flags.push('--cap-add', capability);

  const limits = container.resources?.limits ?? {};
  if (limits.memory !== undefined) flags.push('--memory', String(Math.round(parseQuantity(limits.memory))));
  if (limits.cpu !== undefined) flags.push('--cpus', String(parseQuantity(limits.cpu)));

  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
    if (volume === undefined) throw new Error(`${where}: volumeMount ${mount.name} names no volume of the pod`);
    if (volume.emptyDir === undefined) throw new Error(`${where}: volume ${volume.name} is not an emptyDir, the only kind supported here`);
    if (mount.subPath !== undefined) throw new Error(`${where}: volumeMount ${mount.name} has a subPath, which is not supported here`);
    // An emptyDir as tmpfs: empty at start, writable by any uid (as the kubelet makes it), capped at sizeLimit.
    const size = volume.emptyDir.sizeLimit === undefined ? '' : `,size=${Math.round(parseQuantity(volume.emptyDir.sizeLimit))}`;
    flags.push('--tmpfs', `${mount.mountPath}:${mount.readOnly ? 'ro' : 'rw'},mode=1777${size}`);
  }
  if (container.workingDir !== undefined) flags.push('--workdir', container.workingDir);
  return flags;
}

/**
 * Kubernetes' command and args as podman's entrypoint and arguments: `command` replaces the image's
 * ENTRYPOINT (and so its CMD), `args` replaces CMD.
 */
export function podmanCommand(container: IContainer): { entrypointFlags: string[]; args: string[] } {
  if (container.command !== undefined) return { entrypointFlags: ['--entrypoint', JSON.stringify(container.command)], args: container.args ?? [] };
  return { entrypointFlags: [], args: container.args ?? [] };
}

/** An env file for podman --env-file: one NAME=value a line, the value taken as it is. */
export function formatEnvFile(env: Record<string, string>, where: string): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (/[\r\n]/.test(value)) throw new Error(`${where}: ${name} holds a line break, which an env file cannot carry`);
      return `${name}=${value}\n`;
    })
    .join('');
}

/** Container port by name or number: a probe's `port: http` is the container's port named http. */
export function resolvePort(container: IContainer, port: number | string | undefined, where: string): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p) => p.name === port);
  if (named === undefined) throw new Error(`${where}: no container port named ${port}`);
  return named.containerPort;
}

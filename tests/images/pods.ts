import { connect } from 'node:net';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IService } from 'kubernetes-models/v1/Service';
import pg from 'pg';
import { findFreePort, isPortFree, repoRoot, startScratchPostgres, type EmbeddedPostgresHandle } from '@orderflow/stack';
import type { KubeObject } from '../deploy/manifests.js';
import { formatTail, runOrThrow } from './commands.js';
import type { Engine } from './engine.js';
import { placePorts, rewriteServiceAddresses, serviceAddresses, type PortMap, type ServiceAddress } from './cluster.js';
import { formatEnvFile, podmanCommand, podmanFlags, resolveEnvironment, resolvePort, resolveRunAs } from './pod-spec.js';

/** A container as this run will start it. */
export interface PlannedContainer {
  /** deployment/container, for messages. */
  where: string;
  /** podman's name for it, unique to the run. */
  name: string;
  spec: IContainer;
  image: string;
  env: Record<string, string>;
  /** Variables whose Service addresses were rewritten, and PORT when it was moved. */
  adjusted: string[];
  ports: PortMap;
}

export interface PlannedPod {
  deployment: string;
  labels: Record<string, string>;
  spec: IPodSpec;
  initContainers: PlannedContainer[];
  containers: PlannedContainer[];
  ports: PortMap;
  gracePeriodSeconds: number;
}

export interface RunContext {
  engine: Engine;
  runId: string;
  /** The label every container of the run carries (orderflow-images=<run id>). */
  label: string;
  /** Their names start with it (orderflow-images-<run id>). */
  namePrefix: string;
  workDir: string;
  logDir: string;
}

/** The PostgreSQL StatefulSet, stood in for by embedded PostgreSQL on this machine. */
export interface PostgresStandIn {
  statefulSet: string;
  server: EmbeddedPostgresHandle;
  labels: Record<string, string>;
  container: IContainer;
  ports: PortMap;
}

function ofKind<T>(objects: KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}

/**
 * The rendered StatefulSet running the postgres image, started as embedded PostgreSQL (the binaries
 * packages/stack uses), then prepared as the postgres image prepares an empty data directory: each
 * script of the ConfigMap mounted at /docker-entrypoint-initdb.d, in name order, with the container's
 * environment (POSTGRES_USER defaulting to postgres, as in the image), talking to the server with psql.
 */
export async function startPostgresStandIn(objects: KubeObject[], context: RunContext): Promise<PostgresStandIn> {
  const statefulSet = ofKind<IStatefulSet>(objects, 'StatefulSet').find((s) => s.spec?.template.spec?.containers.some((c) => /^(?:docker\.io\/)?(?:library\/)?postgres:/.test(c.image ?? '')));
  if (statefulSet === undefined) throw new Error('the rendered manifests have no StatefulSet running the postgres image');
  const name = statefulSet.metadata?.name ?? 'postgres';
  const pod = statefulSet.spec!.template.spec!;
  const container = pod.containers.find((c) => (c.image ?? '').includes('postgres:'))!;
  const initMount = (container.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/$/, '') === '/docker-entrypoint-initdb.d');
  const initVolume = (pod.volumes ?? []).find((v) => v.name === initMount?.name);
  const configMapName = initVolume?.configMap?.name;
  if (configMapName === undefined) throw new Error(`StatefulSet ${name} mounts no ConfigMap at /docker-entrypoint-initdb.d`);
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName) as (KubeObject & { data?: Record<string, string> }) | undefined;
  const scripts = Object.entries(configMap?.data ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (scripts.length === 0) throw new Error(`ConfigMap ${configMapName} holds no init script`);

  const server = await startScratchPostgres('images');
  try {
    const admin = new URL(server.adminUrl);
    const env = {
      POSTGRES_USER: 'postgres',
      ...resolveEnvironment(container, objects, `StatefulSet ${name}`),
      PGHOST: '127.0.0.1',
      PGPORT: String(server.port),
      PGPASSWORD: decodeURIComponent(admin.password),
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    };
    const scriptDir = path.join(context.workDir, 'docker-entrypoint-initdb.d');
    await mkdir(scriptDir, { recursive: true });
    for (const [file, text] of scripts) {
      const script = path.join(scriptDir, file);
      await writeFile(script, text, { mode: 0o555 });
      if (file.endsWith('.sh')) await runOrThrow('sh', [script], { env, timeoutMs: 60_000 });
      else if (file.endsWith('.sql')) await runOrThrow('psql', ['--no-psqlrc', '--set', 'ON_ERROR_STOP=1', '--username', env.POSTGRES_USER, '--dbname', 'postgres', '--file', script], { env, timeoutMs: 60_000 });
      else throw new Error(`${configMapName}/${file}: the postgres image runs only *.sh and *.sql here`);
      console.log(`   ran ${file} of ConfigMap ${configMapName} (/docker-entrypoint-initdb.d)`);
    }
    const ports: PortMap = new Map((container.ports ?? []).map((p) => [p.containerPort, server.port]));
    return { statefulSet: name, server, labels: statefulSet.spec?.template.metadata?.labels ?? {}, container, ports };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Every rendered Deployment as one pod of built images: its environment resolved, its ports placed,
 * Service addresses rewritten to where their pods listen here. A Deployment of an image that was not
 * built is an error: this run would silently leave it out otherwise.
 */
export async function planPods(objects: KubeObject[], images: Record<string, string>, postgres: PostgresStandIn, context: RunContext): Promise<{ pods: PlannedPod[]; addresses: ServiceAddress[] }> {
  const deployments = ofKind<IDeployment>(objects, 'Deployment');
  const reserved = new Set<number>();
  const plans: PlannedPod[] = [];

  const imageOf = (container: IContainer, where: string) => {
    const image = images[container.image ?? ''];
    if (image === undefined) throw new Error(`${where} runs image ${container.image}, which skaffold.yaml does not build`);
    return image;
  };
  // Ports a container keeps (it is not told its port) are taken first, so no moved port lands on one.
  for (const deployment of deployments) {
    for (const container of deployment.spec?.template.spec?.containers ?? []) {
      const env = resolveEnvironment(container, objects, `${deployment.metadata?.name}/${container.name}`);
      for (const { containerPort } of container.ports ?? []) if (env.PORT !== String(containerPort)) reserved.add(containerPort);
    }
  }
  for (const port of reserved) if (!(await isPortFree(port))) throw new Error(`port ${port}, which a container keeps, is taken in the run's network`);
  const freePort = async () => {
    for (;;) {
      const port = await findFreePort();
      if (!reserved.has(port)) return reserved.add(port), port;
    }
  };

  for (const deployment of deployments) {
    const name = deployment.metadata?.name ?? '';
    const spec = deployment.spec?.template.spec;
    if (spec === undefined) throw new Error(`Deployment ${name} has no pod template`);
    const plan = (container: IContainer, isInit: boolean): PlannedContainer => ({
      where: `${name}/${container.name}${isInit ? ' (init)' : ''}`,
      name: `${context.namePrefix}-${name}-${container.name}${isInit ? '-init' : ''}`,
      spec: container,
      image: imageOf(container, `Deployment ${name} container ${container.name}`),
      env: resolveEnvironment(container, objects, `${name}/${container.name}`),
      adjusted: [],
      ports: new Map(),
    });
    const containers = spec.containers.map((c) => plan(c, false));
    const podPorts: PortMap = new Map();
    for (const container of containers) {
      const placed = await placePorts(container.spec, container.env, freePort);
      if (placed.env.PORT !== container.env.PORT) container.adjusted.push(`PORT=${placed.env.PORT}`);
      container.env = placed.env;
      container.ports = placed.ports;
      for (const [from, to] of placed.ports) podPorts.set(from, to);
    }
    plans.push({
      deployment: name,
      labels: deployment.spec?.template.metadata?.labels ?? {},
      spec,
      initContainers: (spec.initContainers ?? []).map((c) => plan(c, true)),
      containers,
      ports: podPorts,
      gracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    });
  }

  const services = ofKind<IService>(objects, 'Service');
  const addresses = serviceAddresses(services, [
    ...plans.map((p) => ({ labels: p.labels, containers: p.spec.containers, ports: p.ports })),
    { labels: postgres.labels, containers: [postgres.container], ports: postgres.ports },
  ]);
  for (const pod of plans) {
    for (const container of [...pod.initContainers, ...pod.containers]) {
      const { env, rewritten } = rewriteServiceAddresses(container.env, addresses);
      container.env = env;
      container.adjusted.push(...rewritten.map((key) => `${key} (Service address)`));
    }
  }
  return { pods: plans, addresses };
}

async function podmanRunArgs(pod: PlannedPod, container: PlannedContainer, context: RunContext): Promise<string[]> {
  const runAs = resolveRunAs(pod.spec, container.spec, await context.engine.imageUser(container.image), container.where);
  const envFile = path.join(context.workDir, `${container.name}.env`);
  await writeFile(envFile, formatEnvFile(container.env, container.where), { mode: 0o600 });
  const { entrypointFlags, args } = podmanCommand(container.spec);
  return [
    'run',
    '--name', container.name,
    '--label', context.label,
    '--network', 'host',
    '--pull', 'never',
    '--env-file', envFile,
    ...podmanFlags(pod.spec, container.spec, runAs, container.where),
    ...entrypointFlags,
    container.image,
    ...args,
  ];
}

/** An init container, to completion: a non-zero exit stops the pod, as the kubelet does (restartPolicy aside). */
export async function runInitContainer(pod: PlannedPod, container: PlannedContainer, context: RunContext, timeoutMs = 120_000): Promise<string> {
  const args = await podmanRunArgs(pod, container, context);
  const result = await context.engine.podman([args[0]!, '--rm', ...args.slice(1)], { timeoutMs, logFile: path.join(context.logDir, `${container.name}.log`) });
  if (result.code !== 0) {
    await context.engine.podman(['rm', '--force', '--time', '0', container.name]);
    throw new Error(`${container.where} exited ${result.code}${result.code === 124 ? ` (still running after ${timeoutMs / 1000} s)` : ''}${formatTail(result.output)}`);
  }
  return result.output;
}

/**
 * After a service's init containers: its database holds every migration of services/<name>/migrations
 * and of the workspace packages it depends on (packages/idempotency's table lives in billing's and
 * order's), in packages/db's table, so an image whose migrations are missing or elsewhere, while
 * migrate.js still exits 0, is caught here rather than as a failing request later.
 */
export async function checkMigrationsApplied(pod: PlannedPod): Promise<string | undefined> {
  const manifest = JSON.parse(await readFile(path.join(repoRoot, 'services', pod.deployment, 'package.json'), 'utf8').catch(() => '{}')) as { dependencies?: Record<string, string> };
  const packages = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@orderflow/')).map((name) => path.join('packages', name.slice('@orderflow/'.length)));
  const folders = [path.join('services', pod.deployment), ...packages].map((dir) => path.join(dir, 'migrations'));
  const files = await Promise.all(folders.map((folder) => readdir(path.join(repoRoot, folder)).catch(() => [] as string[])));
  const expected = files.flat().filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
  const folder = folders.filter((_, i) => files[i]!.length > 0).join(' and ');
  const databaseUrl = pod.initContainers.map((c) => c.env.DATABASE_URL).find((url) => url !== undefined);
  if (expected.length === 0 || databaseUrl === undefined) return undefined;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations').catch(() => ({ rows: [] as { name: string }[] }));
    const applied = new Set(rows.map((r) => r.name));
    const missing = expected.filter((name) => !applied.has(name));
    if (missing.length > 0) throw new Error(`${pod.deployment}'s database lacks ${missing.length} of the ${expected.length} migrations in ${folder} after its init containers (${missing.join(', ')})`);
    return `${expected.length} of ${expected.length} migrations of ${folder} applied`;
  } finally {
    await client.end();
  }
}

export async function startContainer(pod: PlannedPod, container: PlannedContainer, context: RunContext): Promise<void> {
  const args = await podmanRunArgs(pod, container, context);
  await context.engine.podmanOrThrow([args[0]!, '--detach', ...args.slice(1)]);
}

/** Why a container is not running, with its last log lines; undefined while it runs. */
async function describeIfStopped(container: PlannedContainer, context: RunContext): Promise<string | undefined> {
  const state = await context.engine.podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}', container.name]);
  const [status, exitCode, oomKilled] = state.output.trim().split(' ');
  if (state.code === 0 && status === 'running') return undefined;
  return `${container.where} is ${status ?? 'gone'} (exit ${exitCode}${oomKilled === 'true' ? ', OOM-killed' : ''})${await containerLogTail(container, context)}`;
}

export async function containerLogTail(container: PlannedContainer, context: RunContext): Promise<string> {
  return formatTail((await context.engine.podman(['logs', '--tail', '40', container.name])).output);
}

/** One probe, as the kubelet runs it, against where the container's ports are placed here. */
async function probeOnce(probe: IProbe, container: PlannedContainer, context: RunContext): Promise<string | undefined> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const local = (port: number | string | undefined) => {
    const containerPort = resolvePort(container.spec, port, container.where);
    return container.ports.get(containerPort) ?? containerPort;
  };
  try {
    if (probe.httpGet) {
      const url = `http://127.0.0.1:${local(probe.httpGet.port)}${probe.httpGet.path ?? '/'}`;
      const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
      const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.status >= 200 && response.status < 400 ? undefined : `GET ${probe.httpGet.path} answered ${response.status}`;
    }
    if (probe.tcpSocket) {
      const port = local(probe.tcpSocket.port);
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs }, () => (socket.destroy(), resolve()));
        socket.once('error', reject);
        socket.once('timeout', () => (socket.destroy(), reject(new Error('timed out'))));
      });
      return undefined;
    }
    if (probe.exec) {
      const result = await context.engine.podman(['exec', container.name, ...(probe.exec.command ?? [])], { timeoutMs });
      return result.code === 0 ? undefined : `${(probe.exec.command ?? []).join(' ')} exited ${result.code}`;
    }
    throw new Error(`${container.where}: a probe of a kind not supported here (grpc)`);
  } catch (error) {
    if (error instanceof Error && error.message.includes('not supported')) throw error;
    return (error as Error).message;
  }
}

/**
 * Waits for the probe to pass within the time the kubelet gives it (initialDelaySeconds, then
 * failureThreshold periods), polling more often so a quick start is seen quickly. The container
 * stopping meanwhile fails at once.
 */
export async function waitForProbe(kind: string, probe: IProbe, container: PlannedContainer, context: RunContext): Promise<number> {
  const started = Date.now();
  const allowedMs = ((probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3) + (probe.timeoutSeconds ?? 1)) * 1000;
  let lastFailure = 'no answer yet';
  while (Date.now() - started < allowedMs) {
    const stopped = await describeIfStopped(container, context);
    if (stopped !== undefined) throw new Error(`${kind}: ${stopped}`);
    const failure = await probeOnce(probe, container, context);
    if (failure === undefined) return Date.now() - started;
    lastFailure = failure;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${container.where}: ${kind} did not pass within the ${allowedMs / 1000} s the kubelet allows (last: ${lastFailure})${await containerLogTail(container, context)}`);
}

/** The liveness probe once, now: the container is still running and live. */
export async function checkLive(container: PlannedContainer, context: RunContext): Promise<void> {
  const stopped = await describeIfStopped(container, context);
  if (stopped !== undefined) throw new Error(stopped);
  const probe = container.spec.livenessProbe;
  if (probe === undefined) return;
  const failure = await probeOnce(probe, container, context);
  if (failure !== undefined) throw new Error(`${container.where}: livenessProbe failed (${failure})`);
}

/**
 * Stops a container as the kubelet does: its stop signal (SIGTERM unless the image says otherwise),
 * SIGKILL after the grace period. Keeps its log. Refuses one that had to be killed: on a rollout it
 * would have been cut off mid-request.
 */
export async function stopContainer(container: PlannedContainer, gracePeriodSeconds: number, context: RunContext): Promise<void> {
  const started = Date.now();
  await context.engine.podmanOrThrow(['stop', '--time', String(gracePeriodSeconds), container.name], { timeoutMs: (gracePeriodSeconds + 30) * 1000 });
  const tookMs = Date.now() - started;
  const exitCode = (await context.engine.podmanOrThrow(['inspect', '--format', '{{.State.ExitCode}}', container.name])).trim();
  const logs = await context.engine.podman(['logs', container.name]);
  await writeFile(path.join(context.logDir, `${container.name}.log`), logs.output);
  await context.engine.podmanOrThrow(['rm', container.name]);
  if (exitCode === '137') throw new Error(`${container.where} did not stop within its ${gracePeriodSeconds} s grace period and was killed${formatTail(logs.output, 10)}`);
  console.log(`   ${container.where} stopped in ${(tookMs / 1000).toFixed(1)} s (exit ${exitCode})`);
}

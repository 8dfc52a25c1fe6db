import { readFile } from 'node:fs/promises';
import { startNginxEdgeFor, type EdgeUpstream } from '../support/nginx.js';
import type { KubeObject } from '../deploy/manifests.js';
import { runOrThrow } from './commands.js';
import { createEngine } from './engine.js';
import { checkIdentityAndInternalRoutes, checkStorefront, runCollection } from './flow.js';
import { checkLive, checkMigrationsApplied, planPods, runInitContainer, startContainer, startPostgresStandIn, stopContainer, waitForProbe, type PlannedContainer, type RunContext } from './pods.js';
import { Cleanup, StepFailure, step } from './steps.js';

/**
 * The second half of `npm run test:images`, started by main.ts under `unshare --net`: a network
 * namespace of its own with only loopback, so the pods' ports meet nothing else on the machine (web's
 * nginx listens on 8080, as in its pod) and nothing here reaches beyond it. Runs the rendered
 * Deployments from the built images, the edge in front of them, and the flows through it.
 */
export interface PodsRun {
  runId: string;
  label: string;
  workDir: string;
  logDir: string;
  /** skaffold's image name (what a Deployment says in `image:`) -> the local image built for it. */
  images: Record<string, string>;
  objects: KubeObject[];
}

const run = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as PodsRun;
const cleanup = new Cleanup();
const context: RunContext = { engine: await createEngine(run.workDir), runId: run.runId, label: run.label, namePrefix: `orderflow-images-${run.runId}`, workDir: run.workDir, logDir: run.logDir };
const started = new Set<PlannedContainer>();
const stopOnSignal = () => void cleanup.run().finally(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

try {
  await step("loopback up in the run's own network namespace", () => runOrThrow('ip', ['link', 'set', 'lo', 'up']));

  const postgres = await step('PostgreSQL: embedded server, prepared by the postgres StatefulSet\'s init script (postgres-init.sh)', () => startPostgresStandIn(run.objects, context));
  cleanup.defer('PostgreSQL', () => postgres.server.stop());

  const { pods, addresses } = await step('plan a pod per rendered Deployment: env from its ConfigMaps and Secrets, ports, Service addresses', async () => {
    const planned = await planPods(run.objects, run.images, postgres, context);
    for (const pod of planned.pods) {
      for (const container of [...pod.initContainers, ...pod.containers]) {
        console.log(`   ${container.where}: ${container.image}, ${Object.keys(container.env).length} variables${container.adjusted.length > 0 ? `; set for this network: ${container.adjusted.join(', ')}` : ''}`);
      }
    }
    return planned;
  });
  cleanup.defer('containers', async () => {
    for (const container of [...started].reverse()) await context.engine.podman(['rm', '--force', '--time', '0', container.name]);
  });

  for (const pod of pods) {
    for (const [index, container] of pod.initContainers.entries()) {
      await step(`${pod.deployment}: init container ${container.spec.name} (${(container.spec.command ?? container.spec.args ?? ['image default']).join(' ')})`, async () => {
        started.add(container);
        const output = await runInitContainer(pod, container, context);
        started.delete(container);
        const lastLine = output.trimEnd().split('\n').at(-1);
        if (lastLine) console.log(`   its last line: ${lastLine}`);
        const applied = index === pod.initContainers.length - 1 ? await checkMigrationsApplied(pod) : undefined;
        if (applied !== undefined) console.log(`   ${applied}`);
      });
    }
    for (const container of pod.containers) {
      const probes = (['startupProbe', 'readinessProbe'] as const).filter((kind) => container.spec[kind] !== undefined);
      await step(`${pod.deployment}: container ${container.spec.name} started${probes.length > 0 ? `, ${probes.join(' then ')}` : ''}`, async () => {
        started.add(container);
        await startContainer(pod, container, context);
        if (container.spec.startupProbe) console.log(`   startupProbe passed after ${((await waitForProbe('startupProbe', container.spec.startupProbe, container, context)) / 1000).toFixed(1)} s`);
        if (container.spec.readinessProbe) console.log(`   readinessProbe passed after ${((await waitForProbe('readinessProbe', container.spec.readinessProbe, container, context)) / 1000).toFixed(1)} s`);
      });
    }
  }

  const addressOf = (service: string) => {
    const address = addresses.find((a) => a.name === service && a.port === 80);
    if (address === undefined) throw new Error(`no Service ${service} on port 80 among the running pods`);
    return address.local;
  };
  const edge = await step('edge: nginx filled from deploy/nginx/orderflow.conf.template in front of the Services', async () => {
    const upstreams = Object.fromEntries((['auth', 'billing', 'order', 'notification', 'web'] as const).map((name) => [name, addressOf(name)])) as Record<EdgeUpstream, string>;
    const running = await startNginxEdgeFor(upstreams);
    console.log(`   ${running.url}: ${Object.entries(upstreams).map(([name, address]) => `${name} → ${address}`).join(', ')}`);
    return running;
  });
  cleanup.defer('edge nginx', () => edge.stop());

  await step('the Postman collection through the edge (newman)', async () => console.log(`   ${await runCollection(edge.url)}`));
  await step('a forged X-UserId and /internal/* get nothing, through the edge or straight at the pods', async () => {
    for (const line of await checkIdentityAndInternalRoutes(edge.url, (service) => `http://${addressOf(service)}`)) console.log(`   ${line}`);
  });
  await step("the storefront through the edge, from the web image's nginx", async () => console.log(`   ${await checkStorefront(edge.url)}`));
  await step('every container still running and passing its livenessProbe', async () => {
    for (const pod of pods) for (const container of pod.containers) await checkLive(container, context);
  });
  await step('stop the pods as the kubelet does (stop signal, SIGKILL after the grace period)', async () => {
    await edge.stop();
    for (const pod of pods) {
      for (const container of pod.containers) {
        await stopContainer(container, pod.gracePeriodSeconds, context);
        started.delete(container);
      }
    }
  });
} catch (error) {
  const message = error instanceof StepFailure ? error.message : `unexpected: ${(error as Error).stack ?? String(error)}`;
  console.error(`test:images FAILED: ${message}`);
  console.error(`test:images FAILED${error instanceof StepFailure ? ` at step "${error.step}"` : ''} (logs: ${run.logDir})`);
  process.exitCode = 1;
} finally {
  if (!(await cleanup.run())) process.exitCode = 1;
}

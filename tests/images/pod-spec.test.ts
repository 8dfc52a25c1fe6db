import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { KubeObject } from '../deploy/manifests.js';
import { placePorts, rewriteServiceAddresses, serviceAddresses } from './cluster.js';
import { formatEnvFile, parseQuantity, podmanCommand, podmanFlags, resolveEnvironment, resolveRunAs } from './pod-spec.js';
import { listBaseImageArgs, nodeMajorOf, readArtifacts, readDockerfile } from './skaffold.js';
import { repositoryOf } from './build.js';

// How `npm run test:images` turns the rendered manifests into podman runs, checked without podman.

const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'order-abc' }, data: { HOST: '0.0.0.0', PORT: '8080', BILLING_URL: 'http://billing.order.svc.cluster.local' } } as KubeObject,
  // kustomize folds long base64 values over lines.
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'order-def' }, data: { DATABASE_URL: Buffer.from('postgres://order:pw@postgres.order.svc.cluster.local:5432/order').toString('base64').replace(/(.{20})/, '$1\n') } } as KubeObject,
];

const hardened: IPodSpec = {
  securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
  containers: [],
};
const container: IContainer = {
  name: 'order',
  image: 'order',
  ports: [{ name: 'http', containerPort: 8080 }],
  envFrom: [{ configMapRef: { name: 'order-abc' } }, { secretRef: { name: 'order-def' } }],
  env: [{ name: 'LOG_LEVEL', value: 'debug' }],
  resources: { limits: { cpu: '500m', memory: '256Mi' } },
  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
};

describe('the environment of a container', () => {
  test('when it has envFrom ConfigMaps and Secrets and env, then the kubelet\'s order: envFrom in turn, env last, Secrets decoded', () => {
    const env = resolveEnvironment(container, objects, 'order');

    assert.deepEqual(env, {
      HOST: '0.0.0.0',
      PORT: '8080',
      BILLING_URL: 'http://billing.order.svc.cluster.local',
      DATABASE_URL: 'postgres://order:pw@postgres.order.svc.cluster.local:5432/order',
      LOG_LEVEL: 'debug',
    });
  });

  test('when an envFrom names an object that is not rendered, then it is an error unless optional', () => {
    const missing = { name: 'x', envFrom: [{ secretRef: { name: 'nowhere' } }] };

    assert.throws(() => resolveEnvironment(missing, objects, 'x'), /Secret nowhere is not in the rendered manifests/);
    assert.deepEqual(resolveEnvironment({ name: 'x', envFrom: [{ secretRef: { name: 'nowhere', optional: true } }] }, objects, 'x'), {});
  });

  test('when a value holds a line break, then no env file is written', () => {
    assert.equal(formatEnvFile({ A: '1', B: 'x=y' }, 'c'), 'A=1\nB=x=y\n');
    assert.throws(() => formatEnvFile({ KEY: 'a\nb' }, 'c'), /line break/);
  });
});

describe('the securityContext, limits and volumes as podman flags', () => {
  test("when the pod and container are hardened as the Deployments are, then each setting has its flag", () => {
    const runAs = resolveRunAs(hardened, container, '1000:1000', 'order');

    assert.deepEqual(podmanFlags(hardened, container, runAs, 'order'), [
      '--user', '1000:1000',
      '--security-opt', 'no-new-privileges',
      '--read-only', '--read-only-tmpfs=false',
      '--cap-drop', 'ALL',
      '--memory', String(256 * 1024 * 1024),
      '--cpus', '0.5',
      '--tmpfs', `/tmp:rw,mode=1777,size=${64 * 1024 * 1024}`,
    ]);
  });

  test('when runAsNonRoot meets root or a user name, then the container is refused as the kubelet refuses it', () => {
    const pod: IPodSpec = { containers: [], securityContext: { runAsNonRoot: true } };

    assert.throws(() => resolveRunAs(pod, { name: 'c' }, '', 'c'), /would run as root/);
    assert.throws(() => resolveRunAs(pod, { name: 'c' }, '0', 'c'), /would run as root/);
    assert.throws(() => resolveRunAs(pod, { name: 'c' }, 'node', 'c'), /not numeric/);
    assert.deepEqual(resolveRunAs(pod, { name: 'c' }, '101', 'c'), { uid: 101, gid: undefined });
  });

  test('when a setting or a volume is one this cannot honour, then it is an error rather than left out', () => {
    assert.throws(() => podmanFlags(hardened, { ...container, securityContext: { procMount: 'Unmasked' } }, undefined, 'c'), /securityContext.procMount is not supported/);
    assert.throws(() => podmanFlags({ ...hardened, volumes: [{ name: 'tmp', hostPath: { path: '/' } }] }, container, undefined, 'c'), /not an emptyDir/);
    assert.throws(() => podmanFlags({ ...hardened, securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'x' } } }, container, undefined, 'c'), /Localhost is not supported/);
  });

  test('when command is set, then it replaces the entrypoint; args alone replace CMD', () => {
    assert.deepEqual(podmanCommand({ name: 'm', command: ['node', 'migrate.js'] }), { entrypointFlags: ['--entrypoint', '["node","migrate.js"]'], args: [] });
    assert.deepEqual(podmanCommand({ name: 'm', args: ['--flag'] }), { entrypointFlags: [], args: ['--flag'] });
  });

  test('when quantities are read, then binary and decimal suffixes and millicores count', () => {
    assert.equal(parseQuantity('1Gi'), 1024 ** 3);
    assert.equal(parseQuantity('128M'), 128e6);
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('2'), 2);
  });
});

describe('the cluster this run stands in for', () => {
  test('when a container is told its port by PORT, then it gets a port of its own; one that is not keeps its containerPort', async () => {
    const told = await placePorts(container, { PORT: '8080' }, async () => 30001);
    const untold = await placePorts({ name: 'web', ports: [{ containerPort: 8080 }] }, {}, async () => 30002);

    assert.deepEqual([...told.ports], [[8080, 30001]]);
    assert.equal(told.env.PORT, '30001');
    assert.deepEqual([...untold.ports], [[8080, 8080]]);
  });

  test('when a value names a Service, then it names where that Service\'s pod answers here, and nothing else changes', () => {
    const addresses = serviceAddresses(
      [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'billing', namespace: 'order' }, spec: { selector: { app: 'billing' }, ports: [{ port: 80, targetPort: 'http' }] } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres', namespace: 'order' }, spec: { selector: { app: 'postgres' }, ports: [{ port: 5432, targetPort: 'postgres' }] } },
      ],
      [
        { labels: { app: 'billing' }, containers: [{ name: 'billing', ports: [{ name: 'http', containerPort: 8080 }] }], ports: new Map([[8080, 31000]]) },
        { labels: { app: 'postgres' }, containers: [{ name: 'postgres', ports: [{ name: 'postgres', containerPort: 5432 }] }], ports: new Map([[5432, 32000]]) },
      ],
    );

    const { env, rewritten } = rewriteServiceAddresses(resolveEnvironment(container, objects, 'order'), addresses);

    assert.equal(env.BILLING_URL, 'http://127.0.0.1:31000');
    assert.equal(env.DATABASE_URL, 'postgres://order:pw@127.0.0.1:32000/order');
    assert.equal(env.HOST, '0.0.0.0');
    assert.deepEqual(rewritten.sort(), ['BILLING_URL', 'DATABASE_URL']);
    assert.throws(() => rewriteServiceAddresses({ X: 'billing.order.svc.cluster.local:9999' }, addresses), /a port the Service billing does not have/);
  });
});

describe('skaffold.yaml, read as the images run reads it', () => {
  test('when its artifacts are listed, then each Dockerfile starts from base images taken as ARGs with a stand-in here, on one Node major', () => {
    const artifacts = readArtifacts();
    const defaults = artifacts.flatMap((artifact) => [...listBaseImageArgs(readDockerfile(artifact), artifact.dockerfile).values()]);

    assert.deepEqual(artifacts.map((a) => a.image).sort(), ['auth', 'billing', 'notification', 'order', 'web']);
    assert.deepEqual([...new Set(defaults.map(repositoryOf))].sort(), ['nginxinc/nginx-unprivileged', 'node']);
    assert.equal(new Set(defaults.filter((image) => repositoryOf(image) === 'node').map(nodeMajorOf)).size, 1);
  });

  test('when a FROM names a registry image outright, then it is refused: no ARG could point it at a stand-in', () => {
    const dockerfile = { globalArgs: new Map(), stages: [{ from: 'node:26-slim', name: 'build', instructions: [] }, { from: 'build', name: undefined, instructions: [] }] };

    assert.throws(() => listBaseImageArgs(dockerfile, 'Dockerfile'), /FROM node:26-slim names a registry image/);
  });
});

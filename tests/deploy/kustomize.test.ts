import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import {
  REPO_ROOT,
  isKubectlInstalled,
  parseObjects,
  readKustomizationResources,
  readObjects,
  readRepoFile,
  readYaml,
  renderKustomization,
  validateAgainstSchema,
  type KubeObject,
} from './manifests.js';
import { EDGE_HOST, IDENTITY_HEADERS, PUBLIC_ROUTES, UNROUTED_PATHS, ingressesMatching, listIngressPaths, routesMatching } from './edge-routes.js';

const SERVICES = ['auth', 'billing', 'order', 'notification'];
/** Each image skaffold builds, its Dockerfile and build args: the seed's four services (one Dockerfile) and the storefront. */
const IMAGES: Record<string, { dockerfile: string; buildArgs?: Record<string, string> }> = {
  ...Object.fromEntries(SERVICES.map((name) => [name, { dockerfile: 'services/Dockerfile', buildArgs: { SERVICE: name } }])),
  web: { dockerfile: 'web/Dockerfile' },
};
/** The seed's four Ingress files and the storefront's, each also a link at the repository root. */
const INGRESS_FILES = ['auth-ingress.yaml', 'billing-ingress.yaml', 'order-ingress.yaml', 'notification-ingress.yaml', 'web-ingress.yaml'];
/** Each overlay and the namespace its edge (the ingress controller, or Envoy Gateway's proxies) runs in. */
const OVERLAYS = [
  { dir: 'deploy/k8s/overlays/ingress-nginx', edgeNamespace: 'ingress-nginx' },
  { dir: 'deploy/k8s/overlays/gateway-api', edgeNamespace: 'envoy-gateway-system' },
];
const SNIPPET_ANNOTATION = /^nginx\.ingress\.kubernetes\.io\/.*snippet$/;
const hasKubectl = isKubectlInstalled();
const WITHOUT_KUBECTL = hasKubectl ? false : 'kubectl not installed';
/** The base as kubectl renders it: the services' objects come from deploy/k8s/components/service. */
const base = hasKubectl ? renderKustomization('deploy/k8s/base') : [];

function ofKind<T>(objects: KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** Whether a pod labelled only `app: <app>` is selected (matchLabels and In/NotIn expressions on `app`). */
function selectsApp(selector: NonNullable<INetworkPolicy['spec']>['podSelector'] | undefined, app: string): boolean {
  const labelsMatch = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => key === 'app' && value === app);
  const expressionsMatch = (selector?.matchExpressions ?? []).every(
    (e) => e.key === 'app' && ((e.operator === 'In' && (e.values ?? []).includes(app)) || (e.operator === 'NotIn' && !(e.values ?? []).includes(app))),
  );
  return labelsMatch && expressionsMatch;
}

function named<T extends KubeObject>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is missing`);
  return found as T;
}

describe('the ingress files (deploy/k8s/ingress-nginx)', () => {
  const ingresses = INGRESS_FILES.flatMap((file) => readObjects(`deploy/k8s/ingress-nginx/${file}`)) as unknown as IIngress[];
  const byName = new Map(ingresses.map((i) => [i.metadata?.name ?? '', i]));

  test('when the seed runs `kubectl apply -f auth-ingress.yaml ...` from the repository root, then it applies these files', () => {
    for (const file of INGRESS_FILES) {
      assert.equal(realpathSync(path.join(REPO_ROOT, file)), realpathSync(path.join(REPO_ROOT, 'deploy/k8s/ingress-nginx', file)), file);
    }
  });

  test('when skaffold deploys the ingress-nginx overlay, then it applies every one of them', () => {
    const kustomization = readYaml('deploy/k8s/ingress-nginx/kustomization.yaml') as { resources: string[] };

    assert.deepEqual([...kustomization.resources].sort(), [...INGRESS_FILES].sort());
  });

  test('when listed, then they are the seed names auth-proxy, billing, order and notification, and web, in namespace order', () => {
    assert.deepEqual([...byName.keys()].sort(), ['auth-proxy', 'billing', 'notification', 'order', 'web']);
    for (const ingress of ingresses) {
      assert.equal(ingress.metadata?.namespace, 'order');
      assert.equal(ingress.spec?.ingressClassName, 'nginx');
      assert.deepEqual(new Set(ingress.spec?.rules?.map((r) => r.host)), new Set([EDGE_HOST]), ingress.metadata?.name);
    }
  });

  test('when a public route is requested, then exactly the Ingress that owns it matches', () => {
    for (const route of PUBLIC_ROUTES) {
      assert.deepEqual(ingressesMatching(ingresses, EDGE_HOST, route.path), [route.edge], `${route.method} ${route.path}`);
    }
  });

  test('when /internal, an operational endpoint or a near miss is requested, then no Ingress matches', () => {
    for (const requestPath of UNROUTED_PATHS) {
      assert.deepEqual(ingressesMatching(ingresses, EDGE_HOST, requestPath), [], requestPath);
    }
  });

  test('when an Ingress serves protected routes, then it asks auth first and forwards the five identity headers', () => {
    const protectedEdges = new Set(PUBLIC_ROUTES.filter((r) => r.isProtected).map((r) => r.edge));
    for (const name of protectedEdges) {
      const annotations = byName.get(name)?.metadata?.annotations ?? {};

      const forwarded = (annotations['nginx.ingress.kubernetes.io/auth-response-headers'] ?? '').split(',').map((h) => h.trim());

      assert.equal(annotations['nginx.ingress.kubernetes.io/auth-url'], 'http://auth.order.svc.cluster.local/auth', name);
      assert.deepEqual(forwarded.sort(), [...IDENTITY_HEADERS].sort(), name);
      assert.equal(annotations['nginx.ingress.kubernetes.io/auth-signin'], 'http://$host/signin', name);
    }
  });

  test("when an Ingress serves public routes (auth's, the storefront's), then it has no external auth of its own", () => {
    const publicEdges = new Set(PUBLIC_ROUTES.filter((r) => !r.isProtected).map((r) => r.edge));
    for (const name of publicEdges) {
      const keys = Object.keys(byName.get(name)?.metadata?.annotations ?? {});
      assert.deepEqual(keys.filter((k) => k.startsWith('nginx.ingress.kubernetes.io/auth-')), [], name);
    }
  });

  test('when annotations are read, then none is a snippet and none rewrites the path', () => {
    for (const ingress of ingresses) {
      const keys = Object.keys(ingress.metadata?.annotations ?? {});
      assert.deepEqual(keys.filter((k) => SNIPPET_ANNOTATION.test(k) || k.endsWith('/rewrite-target')), [], ingress.metadata?.name);
    }
  });

  test('when a path is routed, then it goes to port 80 of a Service that the base defines', { skip: WITHOUT_KUBECTL }, () => {
    const services = new Set(base.filter((o) => o.kind === 'Service').map((o) => o.metadata.name));
    for (const ingress of ingresses) {
      for (const rule of ingress.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
          assert.ok(services.has(p.backend.service?.name ?? ''), `${ingress.metadata?.name} ${p.path}`);
          assert.equal(p.backend.service?.port?.number, 80);
        }
      }
    }
    assert.ok(listIngressPaths(ingresses).every((p) => p.type === 'Exact' || p.type === 'Prefix'), 'only Exact and Prefix paths');
  });
});

describe('the Gateway API overlay (deploy/k8s/overlays/gateway-api)', () => {
  const objects = readKustomizationResources('deploy/k8s/overlays/gateway-api').filter((o) => o.apiVersion.startsWith('gateway.'));
  const routes = ofKind<IHTTPRoute>(objects, 'HTTPRoute');

  test('when a public route is requested, then exactly the HTTPRoute named like its Ingress matches', () => {
    for (const route of PUBLIC_ROUTES) {
      assert.deepEqual(routesMatching(routes, EDGE_HOST, route.path), [route.edge], `${route.method} ${route.path}`);
    }
  });

  test('when /internal, an operational endpoint or a near miss is requested, then no HTTPRoute matches', () => {
    for (const requestPath of UNROUTED_PATHS) {
      assert.deepEqual(routesMatching(routes, EDGE_HOST, requestPath), [], requestPath);
    }
  });

  test('when the cluster-wide GatewayClass the Gateway names is read, then it is valid and Envoy Gateway\'s', async () => {
    const [gatewayClass] = readObjects('deploy/k8s/cluster/envoy-gatewayclass.yaml');
    const gateway = objects.find((o) => o.kind === 'Gateway') as (KubeObject & { spec: { gatewayClassName: string } }) | undefined;

    assert.ok(gatewayClass);
    await validateAgainstSchema(gatewayClass);
    assert.equal(gatewayClass.metadata.name, gateway?.spec.gatewayClassName);
    assert.equal((gatewayClass.spec as { controllerName?: string }).controllerName, 'gateway.envoyproxy.io/gatewayclass-controller');
  });

  test('when the SecurityPolicy is read, then it puts auth in front of exactly the protected routes', () => {
    const policies = objects.filter((o) => o.kind === 'SecurityPolicy') as unknown as {
      spec: { targetRefs: { kind: string; name: string }[]; extAuth: { headersToExtAuth: string[]; http: { backendRefs: { name: string; port: number }[]; path: string; headersToBackend: string[] } } };
    }[];
    const protectedEdges = [...new Set(PUBLIC_ROUTES.filter((r) => r.isProtected).map((r) => r.edge))].sort();

    const targets = policies.flatMap((p) => p.spec.targetRefs.map((t) => `${t.kind}/${t.name}`)).sort();
    const [policy] = policies;

    assert.deepEqual(targets, protectedEdges.map((name) => `HTTPRoute/${name}`));
    assert.ok(policy);
    assert.deepEqual(policy.spec.extAuth.http.backendRefs, [{ name: 'auth', port: 80 }]);
    assert.equal(policy.spec.extAuth.http.path, '/auth');
    assert.deepEqual([...policy.spec.extAuth.http.headersToBackend].sort(), IDENTITY_HEADERS.map((h) => h.toLowerCase()).sort());
    assert.ok(policy.spec.extAuth.headersToExtAuth.includes('cookie'), 'the session cookie reaches auth');
  });
});

describe('the base workloads (deploy/k8s/base)', { skip: WITHOUT_KUBECTL }, () => {
  const objects = base;

  function assertHardenedPod(pod: IPodSpec | undefined, owner: string): void {
    assert.ok(pod, owner);
    assert.equal(pod.securityContext?.runAsNonRoot, true, `${owner} runAsNonRoot`);
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, `${owner} numeric non-root runAsUser`);
    assert.equal(pod.automountServiceAccountToken, false, `${owner} needs no API token`);
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      const where = `${owner}/${container.name}`;
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${where} readOnlyRootFilesystem`);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${where} allowPrivilegeEscalation`);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], `${where} drops all capabilities`);
      for (const kind of ['requests', 'limits'] as const) {
        assert.ok(container.resources?.[kind]?.cpu && container.resources[kind].memory, `${where} ${kind}`);
      }
      assert.ok(container.volumeMounts?.some((m) => m.mountPath === '/tmp'), `${where} writable /tmp`);
    }
  }

  for (const name of SERVICES) {
    test(`when ${name} is deployed, then 2 hardened replicas with probes migrate first and are scraped`, () => {
      const deployment = named<KubeObject & IDeployment>(objects, 'Deployment', name);
      const pod = deployment.spec?.template.spec;
      const [container] = pod?.containers ?? [];
      const [migrate] = pod?.initContainers ?? [];

      assert.equal(deployment.spec?.replicas, 2);
      assertHardenedPod(pod, name);
      assert.equal(container?.image, name, 'skaffold replaces the bare artifact name');
      assert.deepEqual(container?.ports, [{ name: 'http', containerPort: 8080 }]);
      assert.equal(container?.readinessProbe?.httpGet?.path, '/health/ready');
      assert.equal(container?.livenessProbe?.httpGet?.path, '/health/live');
      assert.deepEqual(migrate?.command, ['node', `services/${name}/dist/src/migrate.js`]);
      assert.equal(migrate?.image, name);
      assert.deepEqual(deployment.spec?.template.metadata?.annotations, {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '8080',
        'prometheus.io/path': '/metrics',
      });
    });

    test(`when ${name} starts, then it reads the services' shared environment, then its own ConfigMap, its Secret, the internal token and, but for auth which signs, auth's public key`, () => {
      const [container] = named<KubeObject & IDeployment>(objects, 'Deployment', name).spec?.template.spec?.containers ?? [];
      // Generated names carry a hash suffix: auth-5c7k... is the ConfigMap auth.
      const sources = (container?.envFrom ?? []).map((e) => (e.configMapRef ? `ConfigMap/${e.configMapRef.name}` : `Secret/${e.secretRef?.name}`).replace(/-[a-z0-9]{10}$/, ''));

      // Later sources win a key: the service's own ConfigMap overrides the shared one.
      assert.deepEqual(sources, ['ConfigMap/service-environment', `ConfigMap/${name}`, `Secret/${name}`, 'Secret/internal-token', ...(name === 'auth' ? [] : ['ConfigMap/identity-public-key'])]);
    });
  }

  for (const name of [...SERVICES, 'web']) {
    test(`when ${name} is deployed, then a Service, an HPA and a PDB come with it`, () => {
      const service = named<KubeObject & { spec: { selector: object; ports: object[] } }>(objects, 'Service', name);
      const hpa = named<KubeObject & { apiVersion: string; spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } }>(objects, 'HorizontalPodAutoscaler', name);
      const pdb = named<KubeObject & { spec: { minAvailable: number; selector: { matchLabels: object } } }>(objects, 'PodDisruptionBudget', name);

      assert.deepEqual(service.spec.selector, { app: name });
      assert.deepEqual(service.spec.ports, [{ name: 'http', port: 80, targetPort: 'http' }]);
      assert.equal(hpa.apiVersion, 'autoscaling/v2');
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name });
      assert.equal(hpa.spec.minReplicas, 2);
      assert.equal(pdb.spec.minAvailable, 1);
      assert.deepEqual(pdb.spec.selector.matchLabels, { app: name });
    });
  }

  test("when web is deployed, then 2 hardened nginx replicas run as the image's uid 101 and are probed on /health", () => {
    const deployment = named<KubeObject & IDeployment>(objects, 'Deployment', 'web');
    const pod = deployment.spec?.template.spec;
    const [container] = pod?.containers ?? [];

    assert.equal(deployment.spec?.replicas, 2);
    assertHardenedPod(pod, 'web');
    assert.equal(pod?.securityContext?.runAsUser, 101, 'the USER of web/Dockerfile');
    assert.equal(pod?.initContainers, undefined, 'nothing to migrate');
    assert.equal(container?.image, 'web', 'skaffold replaces the bare artifact name');
    assert.deepEqual(container?.ports, [{ name: 'http', containerPort: 8080 }]);
    assert.equal(container?.readinessProbe?.httpGet?.path, '/health');
    assert.equal(container?.livenessProbe?.httpGet?.path, '/health');
    assert.deepEqual(container?.volumeMounts?.map((m) => m.mountPath), ['/tmp'], 'web/nginx.conf writes only under /tmp');
  });

  test('when any Deployment or StatefulSet is deployed, then its pods are hardened', () => {
    const workloads = [...ofKind<KubeObject & IDeployment>(objects, 'Deployment'), ...ofKind<KubeObject & IStatefulSet>(objects, 'StatefulSet')];

    assert.deepEqual(workloads.map((w) => w.metadata.name).sort(), ['auth', 'billing', 'notification', 'order', 'postgres', 'web']);
    for (const workload of workloads) assertHardenedPod(workload.spec?.template.spec, `${workload.kind} ${workload.metadata.name}`);
  });

  test('when PostgreSQL is deployed, then it is a hardened StatefulSet on a persistent volume', () => {
    const postgres = named<KubeObject & IStatefulSet>(objects, 'StatefulSet', 'postgres');

    assertHardenedPod(postgres.spec?.template.spec, 'postgres');
    assert.equal(postgres.spec?.volumeClaimTemplates?.[0]?.metadata?.name, 'data');
  });

  test('when NetworkPolicies are read, then all traffic is denied unless a flow of the picture allows it', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    const defaultDeny = policies.find((p) => p.metadata?.name === 'default-deny');
    const edge = policies.find((p) => p.metadata?.name === 'allow-edge');

    assert.deepEqual(defaultDeny?.spec?.podSelector, {});
    assert.deepEqual(defaultDeny?.spec?.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(edge?.spec?.ingress?.[0]?.from?.[0]?.namespaceSelector?.matchLabels, { 'kubernetes.io/metadata.name': 'ingress-nginx' });
    assert.deepEqual(edge?.spec?.ingress?.[0]?.ports, [{ protocol: 'TCP', port: 8080 }]);
  });

  test('when the edge routes to a Service, then allow-edge admits its pods, and no others', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    const edge = policies.find((p) => p.metadata?.name === 'allow-edge');
    const ingresses = INGRESS_FILES.flatMap((file) => readObjects(`deploy/k8s/ingress-nginx/${file}`)) as unknown as IIngress[];
    const routes = readObjects('deploy/k8s/overlays/gateway-api/routes.yaml') as unknown as IHTTPRoute[];
    const backends = new Set([
      ...ingresses.flatMap((i) => (i.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend.service?.name ?? ''))),
      ...routes.flatMap((r) => (r.spec.rules ?? []).flatMap((rule) => (rule.backendRefs ?? []).map((b) => b.name))),
    ]);
    const apps = [...backends].map((name) => named<KubeObject & { spec: { selector: { app: string } } }>(objects, 'Service', name).spec.selector.app).sort();
    const [selector] = edge?.spec?.podSelector.matchExpressions ?? [];

    assert.deepEqual(apps, ['auth', 'billing', 'notification', 'order', 'web']);
    assert.equal(edge?.spec?.podSelector.matchLabels, undefined);
    assert.deepEqual({ ...selector, values: [...(selector?.values ?? [])].sort() }, { key: 'app', operator: 'In', values: apps });
  });

  test('when web is deployed, then only the edge may reach it', () => {
    const admitting = ofKind<INetworkPolicy>(objects, 'NetworkPolicy')
      .filter((p) => p.spec?.policyTypes?.includes('Ingress') && (p.spec.ingress ?? []).length > 0)
      .filter((p) => selectsApp(p.spec?.podSelector, 'web'))
      .map((p) => p.metadata?.name);

    assert.deepEqual(admitting, ['allow-edge']);
  });
});

for (const overlay of OVERLAYS) {
  describe(`kubectl kustomize ${overlay.dir}`, () => {
    const rendered = hasKubectl ? renderKustomization(overlay.dir) : [];

    test('when rendered, then every object validates against its API schema and lives in namespace order', async (t) => {
      if (!hasKubectl) return t.skip('kubectl not installed');
      for (const object of rendered) {
        const where = `${object.kind} ${object.metadata.name}`;
        await assert.doesNotReject(validateAgainstSchema(object), where);
        assert.equal(object.metadata.namespace, 'order', where);
      }
    });

    test("when rendered, then no placeholder of deploy/k8s/components/service is left", (t) => {
      if (!hasKubectl) return t.skip('kubectl not installed');
      assert.doesNotMatch(JSON.stringify(rendered), /\bSERVICE\b/);
    });

    test('when rendered, then every ConfigMap and Secret a pod refers to is rendered too', (t) => {
      if (!hasKubectl) return t.skip('kubectl not installed');
      const names = new Set(rendered.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => `${o.kind}/${o.metadata.name}`));
      const workloads = [...ofKind<IDeployment>(rendered, 'Deployment'), ...ofKind<IStatefulSet>(rendered, 'StatefulSet')];
      for (const workload of workloads) {
        const pod = workload.spec?.template.spec;
        const containers = [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
        const refs = [
          ...containers.flatMap((c) => (c.envFrom ?? []).map((e) => (e.configMapRef ? `ConfigMap/${e.configMapRef.name}` : `Secret/${e.secretRef?.name}`))),
          ...(pod?.volumes ?? []).filter((v) => v.configMap).map((v) => `ConfigMap/${v.configMap?.name}`),
        ];
        for (const ref of refs) assert.ok(names.has(ref), `${workload.metadata?.name} refers to ${ref}`);
      }
    });

    test('when rendered, then each DATABASE_URL carries the password postgres-init gives its role', (t) => {
      if (!hasKubectl) return t.skip('kubectl not installed');
      const secretData = (prefix: string) => {
        const secret = rendered.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith(`${prefix}-`)) as (KubeObject & { data: Record<string, string> }) | undefined;
        assert.ok(secret, `Secret ${prefix}`);
        return (key: string) => Buffer.from(secret.data[key] ?? '', 'base64').toString('utf8');
      };
      const postgres = secretData('postgres');
      for (const name of SERVICES) {
        const url = new URL(secretData(name)('DATABASE_URL'));

        assert.equal(url.username, name);
        assert.equal(decodeURIComponent(url.password), postgres(`${name.toUpperCase()}_DB_PASSWORD`), name);
        assert.equal(url.host, 'postgres.order.svc.cluster.local:5432');
        assert.equal(url.pathname, `/${name}`);
      }
    });

    test(`when rendered, then only ${overlay.edgeNamespace} may reach the services from outside the namespace`, (t) => {
      if (!hasKubectl) return t.skip('kubectl not installed');
      const edge = named<KubeObject & INetworkPolicy>(rendered, 'NetworkPolicy', 'allow-edge');

      assert.deepEqual(edge.spec?.ingress?.[0]?.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': overlay.edgeNamespace } } }]);
    });
  });
}

describe('skaffold.yaml', () => {
  const [config] = parseObjects(readRepoFile('skaffold.yaml'), 'skaffold.yaml') as unknown as {
    build: { artifacts: { image: string; context: string; docker: { dockerfile: string; buildArgs?: Record<string, string> } }[] };
    manifests: { kustomize: { paths: string[] } };
    profiles: { name: string; manifests: { kustomize: { paths: string[] } } }[];
  }[];

  test('when building, then it makes the seed images auth, notification, billing and order, and web, from the repository root', () => {
    const artifacts = config?.build.artifacts ?? [];

    assert.equal(artifacts.length, 5);
    assert.deepEqual(artifacts.map((a) => a.image).sort(), Object.keys(IMAGES).sort());
    for (const artifact of artifacts) {
      assert.equal(artifact.context, '.');
      assert.equal(artifact.docker.dockerfile, IMAGES[artifact.image]?.dockerfile);
      assert.deepEqual(artifact.docker.buildArgs, IMAGES[artifact.image]?.buildArgs, artifact.image);
      assert.ok(existsSync(path.join(REPO_ROOT, artifact.docker.dockerfile)), artifact.docker.dockerfile);
    }
  });

  test('when a base workload names an image without a tag, then skaffold builds it, and every image it builds is deployed', { skip: WITHOUT_KUBECTL }, () => {
    const artifacts = (config?.build.artifacts ?? []).map((a) => a.image).sort();
    const workloads = base.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as unknown as IDeployment[];
    const images = workloads.flatMap((w) => [...(w.spec?.template.spec?.initContainers ?? []), ...(w.spec?.template.spec?.containers ?? [])].map((c) => c.image ?? ''));

    assert.deepEqual([...new Set(images.filter((image) => !image.includes(':')))].sort(), artifacts);
  });

  test('when deploying, then the ingress-nginx overlay is the default and gateway-api a profile', () => {
    assert.deepEqual(config?.manifests.kustomize.paths, ['deploy/k8s/overlays/ingress-nginx']);
    assert.deepEqual(config?.profiles.find((p) => p.name === 'gateway-api')?.manifests.kustomize.paths, ['deploy/k8s/overlays/gateway-api']);
  });
});

describe('the "Deploy to Kubernetes" instructions', () => {
  // docs/kubernetes.md, which the README's quick start links to.
  const sections = ['docs/kubernetes.md']
    .filter((file) => existsSync(path.join(REPO_ROOT, file)))
    .map((file) => readRepoFile(file))
    .map((text) => /^# Deploy to Kubernetes\n[\s\S]*/m.exec(text)?.[0] ?? '')
    .filter((section) => section !== '');
  const text = sections.join('\n');

  test("when a reader follows them, then they give the seed's commands one by one", () => {
    assert.ok(sections.length > 0, 'docs/kubernetes.md starts with "# Deploy to Kubernetes"');
    for (const command of [
      'minikube addons enable ingress',
      'kubectl create ns order',
      'kubectl config set-context --current --namespace=order',
      'skaffold dev',
      'kubectl apply -f auth-ingress.yaml -f notification-ingress.yaml -f billing-ingress.yaml -f order-ingress.yaml',
      'echo "$(minikube ip) arch.homework" | sudo tee -a /etc/hosts',
      'newman run tests/postman/order.postman_collection.json --env-var baseUrl=http://arch.homework',
    ]) {
      assert.ok(text.includes(command), command);
    }
  });

  test('when they name a file of the repository, then it exists', () => {
    const named = [...text.matchAll(/(?<![\w/:.$*-])((?:deploy|tests|services)\/[\w./-]+|\w[\w-]*\.(?:yaml|json))(?![\w/<])/g)].map((m) => m[1] ?? '');

    assert.ok(named.length > 5);
    for (const file of new Set(named)) assert.ok(existsSync(path.join(REPO_ROOT, file.replace(/[.,]$/, ''))), file);
  });
});

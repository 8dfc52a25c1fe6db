import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';

/**
 * What the cluster gives pods and this run stands in for. Every pod here shares one network
 * namespace (the run's own, podman's `--network host`) instead of having one each, so:
 * - two pods cannot both listen on 8080: a container told its port by PORT (the services) is told
 *   another one; one that is not told (web's nginx) keeps its containerPort;
 * - Service names do not resolve: an environment value naming a Service
 *   (`billing.order.svc.cluster.local`, `postgres.order.svc.cluster.local:5432`) is rewritten to the
 *   address that Service's pod listens on here.
 * Nothing else in the environment changes.
 */

/** Where a container port of a pod listens here. */
export type PortMap = Map<number, number>;

/** The container's ports as the run places them, and the PORT it is then told. */
export async function placePorts(container: IContainer, env: Record<string, string>, freePort: () => Promise<number>): Promise<{ ports: PortMap; env: Record<string, string> }> {
  const ports: PortMap = new Map();
  const placed = { ...env };
  for (const { containerPort } of container.ports ?? []) {
    if (env.PORT === String(containerPort)) {
      const local = await freePort();
      ports.set(containerPort, local);
      placed.PORT = String(local);
    } else {
      ports.set(containerPort, containerPort);
    }
  }
  return { ports, env: placed };
}

/** A Service's address (`name.namespace:port`) and where its pod answers here (`127.0.0.1:port`). */
export interface ServiceAddress {
  name: string;
  namespace: string;
  port: number;
  local: string;
}

/**
 * Each port of a Service, resolved to the local port of the pod it selects: `pods` says, for a set of
 * labels, which container answers and where its ports are placed.
 */
export function serviceAddresses(services: IService[], pods: { labels: Record<string, string>; containers: IContainer[]; ports: PortMap }[]): ServiceAddress[] {
  const addresses: ServiceAddress[] = [];
  for (const service of services) {
    const selector = service.spec?.selector ?? {};
    const pod = pods.find((p) => Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => p.labels[key] === value));
    if (pod === undefined) continue;
    for (const servicePort of service.spec?.ports ?? []) {
      const target = servicePort.targetPort ?? servicePort.port;
      const containerPort =
        typeof target === 'number' || /^\d+$/.test(target)
          ? Number(target)
          : pod.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
      if (containerPort === undefined) throw new Error(`Service ${service.metadata?.name} port ${servicePort.port}: its pod has no port named ${target}`);
      const local = pod.ports.get(containerPort);
      if (local === undefined) throw new Error(`Service ${service.metadata?.name} port ${servicePort.port}: its pod does not expose ${target}`);
      addresses.push({ name: service.metadata?.name ?? '', namespace: service.metadata?.namespace ?? 'default', port: servicePort.port, local: `127.0.0.1:${local}` });
    }
  }
  return addresses;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites every Service address in the values: `name.namespace[.svc[.cluster.local]][:port]`, a
 * missing port being HTTP's 80. Returns the new environment and the names of the rewritten variables.
 */
export function rewriteServiceAddresses(env: Record<string, string>, addresses: ServiceAddress[]): { env: Record<string, string>; rewritten: string[] } {
  const rewritten: string[] = [];
  const names = [...new Set(addresses.map((a) => `${a.name}.${a.namespace}`))];
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    let next = value;
    for (const name of names) {
      const [service, namespace] = name.split('.') as [string, string];
      const pattern = new RegExp(`(?<![\\w.-])${escape(service)}\\.${escape(namespace)}(?:\\.svc(?:\\.cluster\\.local)?)?(?::(\\d+))?(?![\\w.-])`, 'g');
      next = next.replace(pattern, (whole, port: string | undefined) => {
        const wanted = port === undefined ? 80 : Number(port);
        const address = addresses.find((a) => a.name === service && a.namespace === namespace && a.port === wanted);
        if (address === undefined) throw new Error(`${key} names ${whole}, a port the Service ${service} does not have`);
        return address.local;
      });
    }
    if (next !== value) rewritten.push(key);
    result[key] = next;
  }
  return { env: result, rewritten };
}

import { PEERS_OF, type PeerLink, type RunningSystem, type ServiceName, type ServiceProcess } from '@orderflow/stack';
import { NETWORK_FAULT_KINDS, startFaultProxy, type FaultProxy, type NetworkFault, type NetworkFaultKind } from './fault-proxy.js';

export type FaultKind = 'kill' | NetworkFaultKind | 'postgres';
export const FAULT_KINDS: readonly FaultKind[] = ['kill', ...NETWORK_FAULT_KINDS, 'postgres'];
/** What `--faults` selects: groups of kinds, or single kinds. */
export const FAULT_GROUPS: Record<string, readonly FaultKind[]> = {
  all: FAULT_KINDS,
  kills: ['kill'],
  network: NETWORK_FAULT_KINDS,
  postgres: ['postgres'],
  ...Object.fromEntries(FAULT_KINDS.map((kind) => [kind, [kind]])),
};

/** A caller and the peer it calls, every replica of it. */
export interface Link {
  caller: ServiceName | 'gateway';
  callee: ServiceName;
}
export const LINKS: readonly Link[] = Object.entries(PEERS_OF).flatMap(([caller, callees]) => callees.map((callee) => ({ caller: caller as Link['caller'], callee })));
export const linkName = (link: Link) => `${link.caller}→${link.callee}`;

/** One fault of a run. A network fault without a link takes one at random, on one replica or all. */
export type FaultStep = { kind: 'kill' } | { kind: 'postgres' } | { kind: NetworkFaultKind; link?: Link; allReplicas?: boolean };

/** A proxy on every link between a caller and one replica of a peer, none of them faulty to start with. */
export interface FaultNetwork {
  /** For startSystem's routePeer: a new proxy in front of the replica. */
  routePeer(link: PeerLink): Promise<string>;
  proxiesOf(link: Link, index?: number): FaultProxy[];
  /** Every proxy in front of one process, from all its callers. */
  proxiesInFrontOf(callee: ServiceProcess): FaultProxy[];
  /** Answer chunks delayed or swallowed, answers reset, listeners closed, over every proxy. */
  acted(): Record<NetworkFaultKind, number>;
  close(): Promise<void>;
}

export function createFaultNetwork(): FaultNetwork {
  const proxies: Array<{ caller: Link['caller']; callee: ServiceName; index: number; proxy: FaultProxy }> = [];
  return {
    async routePeer({ caller, callee }) {
      const proxy = await startFaultProxy(callee.peerAddress);
      proxies.push({ caller, callee: callee.service as ServiceName, index: callee.index, proxy });
      return proxy.url;
    },
    proxiesOf: (link, index) => proxies.filter((p) => p.caller === link.caller && p.callee === link.callee && (index === undefined || p.index === index)).map((p) => p.proxy),
    proxiesInFrontOf: (callee) => proxies.filter((p) => p.callee === callee.service && p.index === callee.index).map((p) => p.proxy),
    acted() {
      const total = Object.fromEntries(NETWORK_FAULT_KINDS.map((kind) => [kind, 0])) as Record<NetworkFaultKind, number>;
      for (const { proxy } of proxies) for (const kind of NETWORK_FAULT_KINDS) total[kind] += proxy.acted[kind];
      return total;
    },
    async close() {
      await Promise.all(proxies.map((p) => p.proxy.close()));
    },
  };
}

/** A crashed database server, and the way back: the primitive of @orderflow/stack, bound to one server. */
export type CrashDatabase = () => Promise<{ restart(): Promise<void> }>;

export interface FaultTimings {
  /** How long a network fault stays on, how long PostgreSQL stays down, how long a killed process stays dead. */
  holdMs: number;
  /** Pause after the system is ready again before the next fault. */
  gapMs: number;
  /** Added to a network fault's answers while a delay is on. */
  delayMs: number;
}

export interface InjectedFault {
  kind: FaultKind;
  target: string;
  /** From the moment the fault was lifted to every process answering /health/ready with 200. */
  readyAfterMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * Injects the faults one after another while the load runs, each held for a while and then lifted,
 * and measures how long the system takes to be ready again. One at a time, so each time to ready
 * belongs to one fault.
 */
export async function injectFaults(options: {
  system: RunningSystem;
  network: FaultNetwork;
  crashDatabase: CrashDatabase;
  /** The first fault waits for this (the load under way), or for half a minute at most. */
  startAfter: Promise<void>;
  /** The faults of the run, in order, all of them; then more of `kinds`, at random, until `until`. */
  plan: readonly FaultStep[];
  kinds: readonly FaultKind[];
  until: number;
  timings: FaultTimings;
  readyWithinMs: number;
  log: (line: string) => void;
}): Promise<InjectedFault[]> {
  const { system, network, timings, log } = options;
  const injected: InjectedFault[] = [];
  const services = system.processes.filter((p) => p.service !== 'gateway');

  async function inject(step: FaultStep): Promise<InjectedFault> {
    if (step.kind === 'kill') {
      const victim = pick(services);
      const name = `${victim.service}-${victim.index}`;
      await system.kill(victim, 'SIGKILL');
      // Its callers meet what they would meet in a cluster: connections refused, not a proxy that accepts.
      await Promise.all(network.proxiesInFrontOf(victim).map((proxy) => proxy.setFault({ kind: 'refuse' })));
      await sleep(timings.holdMs * Math.random());
      // Measured from the new process's first ready answer: how long Node takes to start is not the
      // system's recovery (and startSystem bounds it on its own).
      await system.restart(victim);
      await Promise.all(network.proxiesInFrontOf(victim).map((proxy) => proxy.setFault(undefined)));
      const liftedAt = Date.now();
      return { kind: 'kill', target: name, readyAfterMs: await measureReady(liftedAt) };
    }
    if (step.kind === 'postgres') {
      const crashed = await options.crashDatabase();
      await sleep(timings.holdMs);
      await crashed.restart();
      const liftedAt = Date.now();
      return { kind: 'postgres', target: 'PostgreSQL', readyAfterMs: await measureReady(liftedAt) };
    }
    const link = step.link ?? pick(LINKS);
    const index = step.allReplicas === true || Math.random() < 0.5 ? undefined : Math.floor(Math.random() * services.filter((p) => p.service === link.callee).length);
    const proxies = network.proxiesOf(link, index);
    const fault: NetworkFault = step.kind === 'delay' ? { kind: 'delay', ms: timings.delayMs } : { kind: step.kind };
    await Promise.all(proxies.map((proxy) => proxy.setFault(fault)));
    await sleep(timings.holdMs);
    await Promise.all(proxies.map((proxy) => proxy.setFault(undefined)));
    const liftedAt = Date.now();
    return { kind: step.kind, target: `${linkName(link)}${index === undefined ? '' : `-${index}`}`, readyAfterMs: await measureReady(liftedAt) };
  }

  async function measureReady(since: number): Promise<number> {
    await waitUntilEveryProcessIsReady(system.processes, options.readyWithinMs * 3);
    return Date.now() - since;
  }

  await Promise.race([options.startAfter, sleep(30_000)]);
  const steps = [...options.plan];
  while (steps.length > 0 || Date.now() < options.until) {
    await sleep(timings.gapMs * (0.5 + Math.random()));
    if (steps.length === 0 && Date.now() >= options.until) break;
    const step = steps.shift() ?? { kind: pick(options.kinds) };
    const fault = await inject(step);
    injected.push(fault);
    log(`${fault.kind} on ${fault.target}: ready again ${fault.readyAfterMs} ms after it was lifted`);
  }
  return injected;
}

/** Polls every process's /health/ready until all answer 200, or the time is up. */
export async function waitUntilEveryProcessIsReady(processes: readonly ServiceProcess[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(processes);
  while (pending.size > 0 && Date.now() < deadline) {
    await Promise.all(
      [...pending].map(async (target) => {
        const response = await fetch(`${target.url}/health/ready`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
        await response?.body?.cancel();
        if (response?.ok === true) pending.delete(target);
      }),
    );
    if (pending.size > 0) await sleep(100);
  }
  return pending.size === 0;
}

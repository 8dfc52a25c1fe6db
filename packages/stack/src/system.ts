import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ensureDatabase } from './databases.js';
import { findFreePort } from './free-port.js';
import { repoRoot } from './paths.js';
import { StartupError } from './startup-error.js';

export const SERVICES = ['auth', 'billing', 'order', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Who calls whom: each caller is given `<PEER>_URL`, the addresses of every replica of the peer. */
export const PEERS_OF: Record<ServiceName | 'gateway', readonly ServiceName[]> = {
  gateway: SERVICES,
  auth: ['billing'],
  order: ['billing', 'notification'],
  billing: [],
  notification: [],
};

/** One caller's view of one replica of a peer. */
export interface PeerLink {
  caller: ServiceName | 'gateway';
  callee: ServiceProcess;
}

export interface SystemOptions {
  /** A PostgreSQL server's admin URL: one database per service is created on it (`<prefix>_<service>`). */
  adminUrl?: string;
  /** Explicit database URL per service; wins over adminUrl. */
  databaseUrls?: Partial<Record<ServiceName, string>>;
  databasePrefix?: string;
  gatewayPort?: number;
  /**
   * How the gateway and the services reach each other: `unix`, HTTP over a Unix domain socket per
   * process (about half the kernel work of loopback TCP; what `npm start` uses), or `tcp` (the
   * default, as in Kubernetes). Every process listens on its TCP port either way.
   */
  transport?: Transport;
  /** Port of the gateway's /metrics, which stays off its public port. A free port when absent. */
  gatewayMetricsPort?: number;
  /** First port of the services; each process takes the next. Free ports when absent. */
  servicePortBase?: number;
  /** Processes per service, all behind the gateway. */
  replicas?: number;
  internalToken: string;
  logLevel?: string;
  /** Where process output goes: the terminal with a name prefix, one file per process, or nowhere. */
  logs?: 'prefixed' | { dir: string } | 'ignore';
  /**
   * Extra environment for every process, or per service. `OTEL_EXPORTER_OTLP_ENDPOINT` turns tracing
   * on: the processes then start with the tracing preload (packages/kit/src/tracing.ts).
   */
  env?: Record<string, string>;
  /** Extra arguments for every service process's node, e.g. `--cpu-prof` to profile them. */
  nodeArgs?: string[];
  serviceEnv?: Partial<Record<ServiceName | 'gateway', Record<string, string>>>;
  /**
   * The address a caller is given for one replica of a peer, instead of the replica's own: the chaos
   * suite answers with a fault-injecting proxy in front of it. Asked once per caller service and
   * peer replica, so every replica of a caller shares the link.
   */
  routePeer?: (link: PeerLink) => string | Promise<string>;
}

export type Transport = 'tcp' | 'unix';

export interface ServiceProcess {
  service: ServiceName | 'gateway';
  index: number;
  port: number;
  url: string;
  /** How its peers and the gateway reach it: its URL, or `unix:<socket>`. */
  peerAddress: string;
  /** Where its Prometheus /metrics is: its own port, or for the gateway, a port of its own. */
  metricsUrl: string;
  child: ChildProcess | undefined;
  env: Record<string, string>;
}

export interface RunningSystem {
  gatewayUrl: string;
  databaseUrls: Record<ServiceName, string>;
  processes: ServiceProcess[];
  /** Stops a process with a signal (SIGKILL for a crash) and waits for it to exit. */
  kill(process: ServiceProcess, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped process again on the same port and waits until it is ready. */
  restart(process: ServiceProcess): Promise<void>;
  stop(): Promise<void>;
}

function entryPoint(service: ServiceName | 'gateway', entry: 'main' | 'migrate' = 'main'): string {
  return path.join(repoRoot, 'services', service, 'dist', 'src', `${entry}.js`);
}

/**
 * Migrates a service's database with its own migrate entry, as Kubernetes' init container does: which
 * folders hold its migrations is the service's to say (its src/migrations.ts), not the stack's.
 */
async function runMigrateEntry(service: ServiceName, databaseUrl: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [entryPoint(service, 'migrate')], { env: { ...process.env, DATABASE_URL: databaseUrl } });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new StartupError(`${service}'s migrations failed: ${stderr?.trim() || message}`);
  }
}

/** Loaded before main only when tracing is on, so a process without it never loads the SDK. */
const TRACING_PRELOAD = pathToFileURL(path.join(repoRoot, 'packages', 'kit', 'dist', 'src', 'tracing.js')).href;

/**
 * Boots the whole system as real processes: per-service databases created and migrated, then the
 * four services (optionally several replicas each), then the gateway in front of them. Used by
 * `npm start`, the end-to-end and chaos tests, and the benchmark.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const replicas = options.replicas ?? 1;
  const prefix = options.databasePrefix ?? 'orderflow';
  const databaseUrls = {} as Record<ServiceName, string>;
  for (const service of SERVICES) {
    const explicit = options.databaseUrls?.[service];
    if (explicit !== undefined) databaseUrls[service] = explicit;
    else if (options.adminUrl !== undefined) databaseUrls[service] = await ensureDatabase(options.adminUrl, `${prefix}_${service}`);
    else throw new StartupError(`no database for ${service}: set a database URL or an admin URL`);
  }
  await Promise.all(SERVICES.map((service) => runMigrateEntry(service, databaseUrls[service])));

  // Socket paths are capped at 107 bytes: a short folder of its own under the temporary directory.
  const socketDir = options.transport === 'unix' ? mkdtempSync(path.join(tmpdir(), 'orderflow-')) : undefined;
  let nextPort = options.servicePortBase;
  const takePort = async () => (nextPort === undefined ? findFreePort() : nextPort++);
  const processes: ServiceProcess[] = [];
  for (const service of SERVICES) {
    for (let index = 0; index < replicas; index++) {
      const port = await takePort();
      const url = `http://127.0.0.1:${port}`;
      const socketPath = socketDir === undefined ? undefined : path.join(socketDir, `${service}-${index}.sock`);
      const peerAddress = socketPath === undefined ? url : `unix:${socketPath}`;
      processes.push({ service, index, port, url, peerAddress, metricsUrl: url, child: undefined, env: socketPath === undefined ? {} : { SOCKET_PATH: socketPath } });
    }
  }
  const routePeer = options.routePeer ?? (({ callee }: PeerLink) => callee.peerAddress);
  const peerEnvOf = async (caller: ServiceName | 'gateway'): Promise<Record<string, string>> => {
    const env: Record<string, string> = {};
    for (const peer of PEERS_OF[caller]) {
      const replicas = processes.filter((p) => p.service === peer);
      env[`${peer.toUpperCase()}_URL`] = (await Promise.all(replicas.map((callee) => routePeer({ caller, callee })))).join(',');
    }
    return env;
  };
  const peerEnv = {} as Record<ServiceName | 'gateway', Record<string, string>>;
  for (const caller of ['gateway', ...SERVICES] as const) peerEnv[caller] = await peerEnvOf(caller);
  const common = { HOST: '127.0.0.1', INTERNAL_TOKEN: options.internalToken, LOG_LEVEL: options.logLevel ?? 'info', ...options.env };
  // A key pair per boot: auth signs identities with the private half, the other services verify.
  const identityKeys = generateKeyPairSync('ed25519');
  const identityEnv = (service: ServiceName): Record<string, string> =>
    service === 'auth'
      ? { IDENTITY_PRIVATE_KEY: identityKeys.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') }
      : { IDENTITY_PUBLIC_KEY: identityKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
  for (const process of processes) {
    const service = process.service as ServiceName;
    process.env = {
      ...process.env, // SOCKET_PATH, when it has one
      ...common,
      ...identityEnv(service),
      OTEL_SERVICE_NAME: service,
      PORT: String(process.port),
      DATABASE_URL: databaseUrls[service],
      // Callers spread their calls over every replica of a peer, as the gateway does.
      ...peerEnv[service],
      ...options.serviceEnv?.[service],
    };
  }
  const gatewayPort = options.gatewayPort ?? (await findFreePort());
  const gatewayMetricsPort = options.gatewayMetricsPort ?? (await findFreePort());
  const gateway: ServiceProcess = {
    service: 'gateway',
    index: 0,
    port: gatewayPort,
    url: `http://127.0.0.1:${gatewayPort}`,
    peerAddress: `http://127.0.0.1:${gatewayPort}`,
    metricsUrl: `http://127.0.0.1:${gatewayMetricsPort}`,
    child: undefined,
    env: {
      ...common,
      OTEL_SERVICE_NAME: 'gateway',
      PORT: String(gatewayPort),
      METRICS_PORT: String(gatewayMetricsPort),
      ...peerEnv.gateway,
      ...options.serviceEnv?.gateway,
    },
  };
  processes.push(gateway);

  const logs = options.logs ?? 'prefixed';
  const launch = async (target: ServiceProcess) => {
    const env = { ...process.env, ...target.env };
    const preload = env.OTEL_EXPORTER_OTLP_ENDPOINT ? ['--import', TRACING_PRELOAD] : [];
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...preload, entryPoint(target.service)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    target.child = child;
    pipeOutput(child, `${target.service}${replicas > 1 && target.service !== 'gateway' ? `-${target.index}` : ''}`, logs);
    await waitUntilReady(target);
  };

  try {
    await Promise.all(processes.filter((p) => p !== gateway).map(launch));
    await launch(gateway);
  } catch (error) {
    await Promise.all(processes.map((p) => stopProcess(p, 'SIGKILL')));
    if (socketDir !== undefined) rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }

  return {
    gatewayUrl: gateway.url,
    databaseUrls,
    processes,
    kill: (target, signal = 'SIGKILL') => stopProcess(target, signal),
    restart: async (target) => {
      await stopProcess(target, 'SIGKILL');
      await launch(target);
    },
    async stop() {
      await stopProcess(gateway, 'SIGTERM');
      await Promise.all(processes.map((p) => stopProcess(p, 'SIGTERM')));
      if (socketDir !== undefined) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

function pipeOutput(child: ChildProcess, name: string, logs: SystemOptions['logs']): void {
  if (logs === 'ignore') {
    child.stdout?.resume();
    child.stderr?.resume();
    return;
  }
  if (typeof logs === 'object') {
    mkdirSync(logs.dir, { recursive: true });
    const file = createWriteStream(path.join(logs.dir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    return;
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
}

/**
 * A healthy start takes about a second; on two cores busy with a test run's other systems (npm test
 * runs two files at once, each booting five to nine processes) auth's first argon2 and key set-up
 * have been seen to take over 20 s. A minute tells a slow start from one that never comes.
 */
const READY_TIMEOUT_MS = 60_000;

async function waitUntilReady(target: ServiceProcess, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (target.child?.exitCode !== null && target.child?.exitCode !== undefined) {
      throw new StartupError(`${target.service} exited with code ${target.child.exitCode} before it was ready (its log says why)`);
    }
    try {
      const response = await fetch(`${target.url}/health/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new StartupError(`${target.service} on port ${target.port} was not ready within ${timeoutMs} ms`);
}

async function stopProcess(target: ServiceProcess, signal: NodeJS.Signals): Promise<void> {
  const child = target.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

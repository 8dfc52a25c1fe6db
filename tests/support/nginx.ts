import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort, repoRoot, type RunningSystem, type ServiceName } from '@orderflow/stack';

const TEMPLATE = path.join(repoRoot, 'deploy', 'nginx', 'orderflow.conf.template');

/** Debian's nginx lives in /usr/sbin, which is on root's PATH but not on everyone's. */
export const NGINX = ['/usr/sbin', ...(process.env.PATH ?? '').split(path.delimiter)]
  .filter((dir) => dir !== '')
  .map((dir) => path.join(dir, 'nginx'))
  .find(isExecutable);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface NginxEdge {
  url: string;
  stop(): Promise<void>;
}

/** What the edge routes to: the four services and the storefront (web's Ingress). */
export type EdgeUpstream = ServiceName | 'web';

/**
 * Real nginx with deploy/nginx/orderflow.conf.template in front of the system's four services, and of
 * the gateway for the storefront's `/` and `/assets/` (on one machine the gateway serves web/dist),
 * on a free port. Its error log goes to test-output/logs/nginx_<port>.log.
 */
export async function startNginxEdge(system: RunningSystem): Promise<NginxEdge> {
  const upstream = (service: ServiceName) => {
    const target = system.processes.find((p) => p.service === service);
    if (target === undefined) throw new Error(`the system runs no ${service}`);
    return new URL(target.url).host;
  };
  return startNginxEdgeFor({
    auth: upstream('auth'),
    billing: upstream('billing'),
    order: upstream('order'),
    notification: upstream('notification'),
    web: new URL(system.gatewayUrl).host,
  });
}

/** The same nginx in front of any upstreams (`host:port` each), e.g. recording servers or the images. */
export async function startNginxEdgeFor(upstreams: Record<EdgeUpstream, string>): Promise<NginxEdge> {
  if (NGINX === undefined) throw new Error('nginx not installed: apt-get install nginx');
  const port = await findFreePort();
  const config = fillTemplate(await readFile(TEMPLATE, 'utf8'), {
    LISTEN_PORT: String(port),
    AUTH_UPSTREAM: upstreams.auth,
    BILLING_UPSTREAM: upstreams.billing,
    ORDER_UPSTREAM: upstreams.order,
    NOTIFICATION_UPSTREAM: upstreams.notification,
    WEB_UPSTREAM: upstreams.web,
  });
  return startNginx(port, () => config);
}

/**
 * Real nginx running the configuration `configure` writes for a fresh prefix folder (a writable place
 * for its pid and temp files), listening on `port`, in the foreground. Its error log goes to
 * test-output/logs/nginx_<port>.log.
 */
export async function startNginx(port: number, configure: (prefix: string) => string, extraArgs: string[] = []): Promise<NginxEdge> {
  if (NGINX === undefined) throw new Error('nginx not installed: apt-get install nginx');
  const prefix = await mkdtemp(path.join(tmpdir(), 'orderflow-nginx-'));
  // Run as root, nginx's workers drop to `nobody` and must enter the prefix to use its temp folders.
  await chmod(prefix, 0o755);
  await writeFile(path.join(prefix, 'nginx.conf'), configure(prefix));

  const child = spawn(NGINX, ['-e', 'stderr', '-p', prefix, '-c', path.join(prefix, 'nginx.conf'), ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    // 'close' rather than 'exit': by then stderr is drained, so `output` holds nginx's last words.
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  const logDir = path.join(repoRoot, 'test-output', 'logs');
  mkdirSync(logDir, { recursive: true });
  child.stderr.pipe(createWriteStream(path.join(logDir, `nginx_${port}.log`)));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // SIGTERM is nginx's fast shutdown: the master stops its workers, then exits.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(url, () => child.exitCode !== null || child.signalCode !== null);
  } catch (error) {
    await stop();
    throw new Error(`nginx did not start: ${(error as Error).message}\n${output}`);
  }
  return { url, stop };
}

/** envsubst with a list of names: only `${NAME}` for those names, so nginx's `$variables` stay. */
function fillTemplate(template: string, values: Record<string, string>): string {
  let text = template;
  for (const [name, value] of Object.entries(values)) {
    const placeholder = `\${${name}}`;
    if (!text.includes(placeholder)) throw new Error(`${TEMPLATE} has no ${placeholder}`);
    text = text.replaceAll(placeholder, value);
  }
  const unfilled = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .match(/\$\{[A-Z_]+\}/);
  if (unfilled !== null) throw new Error(`${TEMPLATE}: ${unfilled[0]} is left unfilled`);
  return text;
}

async function waitUntilAnswering(url: string, hasExited: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('it exited');
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no answer on ${url} within ${timeoutMs} ms`);
}

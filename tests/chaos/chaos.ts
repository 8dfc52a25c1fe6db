import { randomBytes, randomUUID } from 'node:crypto';
import type { RunningSystem, ServiceProcess } from '@orderflow/stack';
import { checkInvariants, waitForQuiescence, type UserLedger } from './invariants.js';

export interface ChaosOptions {
  system: RunningSystem;
  durationMs: number;
  users: number;
  /** Pause between one process being restarted and the next kill. */
  killEveryMs: number;
  log?: (line: string) => void;
}

export interface ChaosSummary {
  users: number;
  requests: number;
  failedRequests: number;
  kills: number;
  restarts: number;
  orders: number;
  violations: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

interface Answer {
  status: number;
  /** The fields the simulation reads: an id (user, order) or a problem's code. */
  body: { id?: number; code?: string } | undefined;
  /** The session id, when the answer set the cookie. */
  session?: string;
}

/**
 * Drives users through register → top up → order → pay → (sometimes) cancel while processes are
 * SIGKILLed and restarted, then lets recovery finish and checks the invariants.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const { system } = options;
  const log = options.log ?? (() => {});
  let requests = 0;
  let failedRequests = 0;
  let kills = 0;
  let restarts = 0;
  let orders = 0;
  const loadEndsAt = Date.now() + options.durationMs;

  async function send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer | undefined> {
    requests++;
    try {
      const response = await fetch(`${system.gatewayUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await response.text();
      if (response.status >= 500) failedRequests++;
      const session = /^session_id=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
      return { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined, session };
    } catch {
      failedRequests++;
      return undefined;
    }
  }

  /** Retries through crashes (network errors, 5xx, 409 in flight) until a final answer or a long deadline. */
  async function settle(method: string, path: string, body: unknown, headers: Record<string, string>, isFinal: (a: Answer) => boolean): Promise<Answer | undefined> {
    const deadline = Math.max(loadEndsAt, Date.now()) + 20_000;
    while (Date.now() < deadline) {
      const answer = await send(method, path, body, headers);
      if (answer !== undefined && isFinal(answer)) return answer;
      await sleep(100 + Math.random() * 200);
    }
    return undefined;
  }

  async function simulateUser(): Promise<UserLedger | undefined> {
    const login = `chaos_${randomBytes(5).toString('hex')}`;
    const credentials = { login, password: 'correct horse battery', email: `${login}@example.com` };
    const registered = await settle('POST', '/register', credentials, {}, (a) => a.status === 200 || a.status === 409);
    if (registered === undefined) return undefined;
    const loggedIn = await settle('POST', '/login', { login, password: credentials.password }, {}, (a) => a.status === 200);
    const session = loggedIn?.session;
    if (session === undefined) return undefined;
    const me = await settle('GET', '/auth', undefined, { authorization: `Bearer ${session}` }, (a) => a.status === 200);
    if (me === undefined) return undefined;
    if (me.body?.id === undefined) return undefined;
    const ledger: UserLedger = { userId: me.body.id, topUpKeysIssued: 0, topUpKeysConfirmed: 0, orderKeysIssued: 0, orderKeysConfirmed: 0 };
    const auth = () => ({ authorization: `Bearer ${session}` });

    while (Date.now() < loadEndsAt) {
      const topUpKey = randomUUID();
      ledger.topUpKeysIssued++;
      const topUp = await settle('POST', '/billing/change', { amount: pick([10, 25, 50]) }, { ...auth(), 'idempotency-key': topUpKey }, (a) => a.status === 200);
      if (topUp !== undefined) ledger.topUpKeysConfirmed++;

      const orderKey = randomUUID();
      ledger.orderKeysIssued++;
      const created = await settle('POST', '/order', { price: pick([5, 20, 40, 80]) }, { ...auth(), 'idempotency-key': orderKey }, (a) => a.status === 200);
      if (created === undefined) continue;
      ledger.orderKeysConfirmed++;
      orders++;
      const orderId = created.body?.id;
      if (orderId === undefined) continue;
      if (Math.random() < 0.1) continue; // some orders are never paid

      const paid = await settle('PUT', `/order/${orderId}/pay`, undefined, auth(), (a) => a.status === 200 || (a.status === 409 && a.body?.code !== 'idempotency.in_flight'));
      if (paid?.status === 200 && Math.random() < 0.3) {
        await settle('POST', `/order/${orderId}/cancel`, undefined, auth(), (a) => a.status === 200 || (a.status === 409 && a.body?.code === 'order.not_cancellable'));
      }
      if (Math.random() < 0.2) await send('GET', '/notification', undefined, auth());
    }
    return ledger;
  }

  async function killAndRestart(): Promise<void> {
    const victims = system.processes.filter((p) => p.service !== 'gateway');
    while (Date.now() < loadEndsAt) {
      await sleep(options.killEveryMs * (0.5 + Math.random()));
      if (Date.now() >= loadEndsAt) break;
      const victim: ServiceProcess = pick(victims);
      await system.kill(victim, 'SIGKILL');
      kills++;
      log(`killed ${victim.service}-${victim.index} (kill #${kills})`);
      await sleep(200 + Math.random() * 800);
      await system.restart(victim);
      restarts++;
    }
  }

  const progress = setInterval(() => log(`requests ${requests}, 5xx or network errors ${failedRequests}, orders ${orders}, kills ${kills}`), 5_000);
  const [ledgers] = await Promise.all([Promise.all(Array.from({ length: options.users }, simulateUser)), killAndRestart()]);
  clearInterval(progress);

  log('load stopped; waiting for recovery to settle every order and letter');
  const settled = await waitForQuiescence(system.databaseUrls.order, 60_000);
  const users = ledgers.filter((l): l is UserLedger => l !== undefined);
  const violations = await checkInvariants(system.databaseUrls, users);
  if (!settled) violations.unshift('recovery did not settle every order and letter within 60 s');
  if (users.length < options.users) violations.push(`${options.users - users.length} simulated users could not even register and log in`);
  return { users: users.length, requests, failedRequests, kills, restarts, orders, violations };
}

export function formatSummary(summary: ChaosSummary): string {
  return [
    `users ${summary.users}, requests ${summary.requests} (${summary.failedRequests} hit a dead process and were retried), orders ${summary.orders}`,
    `processes killed ${summary.kills}, restarted ${summary.restarts}`,
    `invariant violations: ${summary.violations.length}`,
    ...summary.violations.map((v) => `  - ${v}`),
  ].join('\n');
}

/** Fast recovery for a short run: unsettled payments are retried after a second, letters every 200 ms. */
export const CHAOS_SERVICE_ENV = {
  // Every simulated user signs up from one address: the edge's per-address limit would refuse them.
  gateway: { CREDENTIAL_RATE_LIMIT: '100000' },
  order: { RECOVERY_AFTER_MS: '1000', WORKER_INTERVAL_MS: '200', PEER_TIMEOUT_MS: '1000' },
};

import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientAnswers, UserLedger } from './invariants.js';

export interface LoadOptions {
  gatewayUrl: string;
  users: number;
  /** Set once the load is to stop: requests still retrying then get 20 s more for a final answer. */
  stop: { at?: number };
  /** Called at the first 200 to a pay: the load has reached every service. */
  onFirstPay: () => void;
  /** Far above the bound the run checks, so a request that hangs is measured rather than cut short. */
  clientTimeoutMs: number;
  log: (line: string) => void;
}

export interface LongestRequest {
  ms: number;
  method: string;
  path: string;
  /** Its status, or why it has none. */
  outcome: string;
}

export interface LoadResult {
  ledgers: UserLedger[];
  answers: ClientAnswers;
  requests: number;
  failedRequests: number;
  orders: number;
  failedSignUps: number;
  longestRequest: LongestRequest;
  requestsOverBound(boundMs: number): number;
}

interface Answer {
  status: number;
  /** The fields the simulation reads: an id (user, order), an order's status or a problem's code. */
  body: { id?: number; status?: string; code?: string } | undefined;
  /** The session id, when the answer set the cookie. */
  session?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * `users` concurrent people, each signing up, then paying for a few orders, then signing up as
 * someone new, until the load ends: sign-ups meet the faults too. Every request's duration is kept.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { stop } = options;
  const isStopping = () => stop.at !== undefined;
  let requests = 0;
  let failedRequests = 0;
  let orders = 0;
  let failedSignUps = 0;
  const durations: number[] = [];
  let longestRequest: LongestRequest = { ms: 0, method: '', path: '', outcome: '' };
  const answers: ClientAnswers = { paid: new Map(), cancelled: new Set() };
  const ledgers: UserLedger[] = [];

  async function send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer | undefined> {
    requests++;
    const startedAt = Date.now();
    let outcome = '';
    try {
      const response = await fetch(`${options.gatewayUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.clientTimeoutMs),
      });
      const text = await response.text();
      outcome = String(response.status);
      if (response.status >= 500) failedRequests++;
      const session = /^session_id=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
      return { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined, session };
    } catch (error) {
      outcome = (error as Error).name === 'TimeoutError' ? `no answer within ${options.clientTimeoutMs} ms` : `network error: ${(error as Error).message}`;
      failedRequests++;
      return undefined;
    } finally {
      const ms = Date.now() - startedAt;
      durations.push(ms);
      // Ids vary; the route is what tells one request from another.
      if (ms > longestRequest.ms) longestRequest = { ms, method, path: path.replace(/\/\d+/g, '/:id'), outcome };
    }
  }

  /** Retries through faults (network errors, 5xx, 409 in flight) until a final answer or a long deadline. */
  async function settle(method: string, path: string, body: unknown, headers: Record<string, string>, isFinal: (a: Answer) => boolean): Promise<Answer | undefined> {
    const startedAt = Date.now();
    while (stop.at === undefined || Date.now() < Math.max(stop.at, startedAt) + 20_000) {
      const answer = await send(method, path, body, headers);
      if (answer !== undefined && isFinal(answer)) return answer;
      await sleep(100 + Math.random() * 200);
    }
    return undefined;
  }

  async function signUp(): Promise<{ ledger: UserLedger; session: string } | undefined> {
    const login = `chaos_${randomBytes(5).toString('hex')}`;
    const credentials = { login, password: 'correct horse battery', email: `${login}@example.com` };
    // 409: an earlier attempt whose answer was lost did create the user.
    const registered = await settle('POST', '/register', credentials, {}, (a) => a.status === 200 || a.status === 409);
    if (registered === undefined) return undefined;
    const loggedIn = await settle('POST', '/login', { login, password: credentials.password }, {}, (a) => a.status === 200);
    const session = loggedIn?.session;
    if (session === undefined) return undefined;
    const me = await settle('GET', '/auth', undefined, { authorization: `Bearer ${session}` }, (a) => a.status === 200);
    if (me?.body?.id === undefined) return undefined;
    return { ledger: { userId: me.body.id, topUpKeysIssued: 0, topUpKeysConfirmed: 0, orderKeysIssued: 0, orderKeysConfirmed: 0 }, session };
  }

  async function simulatePerson(): Promise<void> {
    while (!isStopping()) {
      const user = await signUp();
      if (user === undefined) {
        failedSignUps++;
        continue;
      }
      const { ledger, session } = user;
      ledgers.push(ledger);
      const auth = { authorization: `Bearer ${session}` };
      for (let round = 0, rounds = 3 + Math.floor(Math.random() * 6); round < rounds && !isStopping(); round++) {
        const topUpKey = randomUUID();
        ledger.topUpKeysIssued++;
        const topUp = await settle('POST', '/billing/change', { amount: pick([10, 25, 50]) }, { ...auth, 'idempotency-key': topUpKey }, (a) => a.status === 200);
        if (topUp !== undefined) ledger.topUpKeysConfirmed++;

        const orderKey = randomUUID();
        ledger.orderKeysIssued++;
        const created = await settle('POST', '/order', { price: pick([5, 20, 40, 80]) }, { ...auth, 'idempotency-key': orderKey }, (a) => a.status === 200);
        if (created === undefined) continue;
        ledger.orderKeysConfirmed++;
        orders++;
        const orderId = created.body?.id;
        if (orderId === undefined) continue;
        if (Math.random() < 0.1) continue; // some orders are never paid

        // Some people give up after one failed try, as one closing the tab does: only order's recovery
        // loop then settles what their pay left unsettled.
        const isPatient = Math.random() < 0.75;
        const isFinal = (a: Answer) => a.status === 200 || (a.status === 409 && a.body?.code !== 'idempotency.in_flight');
        const paid = isPatient ? await settle('PUT', `/order/${orderId}/pay`, undefined, auth, isFinal) : await send('PUT', `/order/${orderId}/pay`, undefined, auth);
        if (paid?.status === 200 && paid.body?.status !== undefined) {
          answers.paid.set(orderId, [...(answers.paid.get(orderId) ?? []), paid.body.status]);
          options.onFirstPay();
        }
        if (paid?.status === 200 && Math.random() < 0.3) {
          const cancelled = await settle('POST', `/order/${orderId}/cancel`, undefined, auth, (a) => a.status === 200 || (a.status === 409 && a.body?.code === 'order.not_cancellable'));
          if (cancelled?.status === 200) answers.cancelled.add(orderId);
        }
        if (Math.random() < 0.2) await send('GET', '/notification', undefined, auth);
      }
    }
  }

  const progress = setInterval(() => options.log(`requests ${requests}, 5xx or network errors ${failedRequests}, orders ${orders}, people signed up ${ledgers.length}`), 5_000);
  try {
    await Promise.all(Array.from({ length: options.users }, simulatePerson));
  } finally {
    clearInterval(progress);
  }
  return {
    ledgers,
    answers,
    requests,
    failedRequests,
    orders,
    failedSignUps,
    longestRequest,
    requestsOverBound: (boundMs) => durations.filter((ms) => ms > boundMs).length,
  };
}

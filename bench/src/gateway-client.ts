import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Step } from './latency.js';

export interface BenchUser {
  login: string;
  password: string;
  /** The session id, sent as `Authorization: Bearer` as an API client does. */
  token: string;
}

export interface StepTiming {
  step: Step;
  sentAt: number;
  endedAt: number;
  /** A 2xx answer came back: its latency counts. */
  ok: boolean;
}

/**
 * One cycle of a user: create an order, pay it, read the balance, read the letters. `paid` when the
 * payment went through, `declined` when billing refused it (an outcome, not an error), `error` on a
 * non-2xx answer, a network failure or a body of the wrong shape; the cycle stops at its first error.
 */
export interface CycleResult {
  steps: StepTiming[];
  outcome: 'paid' | 'declined' | 'error';
  error?: string;
}

interface Answer {
  status: number;
  body: unknown;
  setCookie: string | undefined;
}

/** Small enough that no top-up ever runs out: every payment of the bench is meant to succeed. */
export const ORDER_PRICE = 1;
export const TOP_UP = 1_000_000_000;

export class RequestFailed extends Error {}

/**
 * The bench's HTTP client: one keep-alive pool to the gateway with at least as many connections as
 * requests in flight, so no request waits for a socket inside the load generator.
 */
export function createGatewayClient(baseUrl: string, connections: number) {
  // Thirty seconds: far beyond any healthy answer, short enough that a hung request ends the run.
  const pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

  async function call(method: 'GET' | 'POST' | 'PUT', path: string, token?: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.body.text();
    const setCookie = response.headers['set-cookie'];
    return {
      status: response.statusCode,
      body: text.length > 0 && response.headers['content-type']?.includes('json') ? (JSON.parse(text) as unknown) : text,
      setCookie: Array.isArray(setCookie) ? setCookie.join('\n') : setCookie,
    };
  }

  /** Calls, and throws a RequestFailed naming the step unless the answer is 2xx. */
  async function expectOk(step: string, method: 'GET' | 'POST' | 'PUT', path: string, token?: string, body?: unknown): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await call(method, path, token, body);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new RequestFailed(`network error on ${step}: ${code}`, { cause: error });
    }
    if (answer.status < 200 || answer.status > 299) throw new RequestFailed(`HTTP ${answer.status} on ${step}`);
    return answer;
  }

  async function logIn(login: string, password: string): Promise<string> {
    const answer = await expectOk('login', 'POST', '/login', undefined, { login, password });
    const token = /session_id=([^;]+)/.exec(answer.setCookie ?? '')?.[1];
    if (token === undefined) throw new RequestFailed('unexpected answer on login: no session cookie');
    return token;
  }

  return {
    logIn,

    /** Registers, logs in and tops up a new user. */
    async prepareUser(login: string): Promise<BenchUser> {
      const password = `bench ${login} password`;
      await expectOk('register', 'POST', '/register', undefined, { login, password, email: `${login}@bench.example` });
      const token = await logIn(login, password);
      await expectOk('top-up', 'POST', '/billing/change', token, { amount: TOP_UP });
      return { login, password, token };
    },

    async runCycle(user: BenchUser): Promise<CycleResult> {
      const steps: StepTiming[] = [];
      const timed = async (step: Step, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
        const sentAt = performance.now();
        let ok = false;
        try {
          const answer = await expectOk(step, method, path, user.token, body);
          ok = true;
          return answer;
        } finally {
          steps.push({ step, sentAt, endedAt: performance.now(), ok });
        }
      };
      try {
        const created = (await timed('create', 'POST', '/order', { price: ORDER_PRICE })).body as { id?: unknown; status?: unknown };
        if (typeof created.id !== 'number' || created.status !== 'new') throw new RequestFailed('unexpected body on create');
        const paid = (await timed('pay', 'PUT', `/order/${created.id}/pay`)).body as { status?: unknown; billing?: { status?: unknown } };
        const isPaid = paid.status === 'processing' && paid.billing?.status === 'OK';
        const isDeclined = paid.status === 'failed' && paid.billing?.status === 'ERROR';
        if (!isPaid && !isDeclined) throw new RequestFailed('unexpected body on pay');
        const balance = (await timed('balance', 'GET', '/billing/current')).body as { balance?: unknown };
        if (typeof balance.balance !== 'number') throw new RequestFailed('unexpected body on balance');
        if (!Array.isArray((await timed('letters', 'GET', '/notification')).body)) throw new RequestFailed('unexpected body on letters');
        return { steps, outcome: isPaid ? 'paid' : 'declined' };
      } catch (error) {
        if (!(error instanceof RequestFailed)) throw error;
        return { steps, outcome: 'error', error: error.message };
      }
    },

    close: () => pool.close(),
  };
}
export type GatewayClient = ReturnType<typeof createGatewayClient>;

import { Pool } from 'undici';

export const STEPS = ['create', 'pay', 'balance', 'letters'] as const;
export type Step = (typeof STEPS)[number];

export interface BenchUser {
  login: string;
  userId: number;
  /** The session id, sent as `Authorization: Bearer` as an API client does. */
  token: string;
}

export interface StepTiming {
  step: Step;
  sentAt: number;
  endedAt: number;
}

/**
 * One user's create order → pay → read balance → read letters. `declined` is billing refusing the
 * payment (an outcome); `error` is a non-2xx answer, a network failure or a body of the wrong shape.
 */
export interface CycleResult {
  steps: StepTiming[];
  outcome: 'paid' | 'declined' | 'error';
  error?: string;
  order?: { id: number; userId: number };
}

/** Small enough that no top-up runs out: every payment of the bench is meant to succeed. */
const ORDER_PRICE = 1;
const TOP_UP = 1_000_000_000;

class RequestFailed extends Error {}

/** One keep-alive pool to the gateway with a connection per request in flight. */
export function createGatewayClient(baseUrl: string, connections: number) {
  // Thirty seconds: far beyond any healthy answer, short enough that a hung request ends the run.
  const pool = new Pool(baseUrl, { connections, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

  async function call(step: string, method: 'GET' | 'POST' | 'PUT', path: string, token?: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new RequestFailed(`network error on ${step}: ${(error as { code?: string }).code ?? (error as Error).name}`);
    }
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode > 299) throw new RequestFailed(`HTTP ${response.statusCode} on ${step}`);
    const cookie = [response.headers['set-cookie'] ?? []].flat().join('\n');
    return { body: (text.length > 0 ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined, cookie };
  }

  const passwordOf = (login: string) => `bench ${login} password`;

  async function logIn(login: string): Promise<string> {
    const { cookie } = await call('login', 'POST', '/login', undefined, { login, password: passwordOf(login) });
    const token = /session_id=([^;]+)/.exec(cookie)?.[1];
    if (token === undefined) throw new RequestFailed('no session cookie on login');
    return token;
  }

  return {
    /** Registers, logs in and tops up a new user. */
    async prepareUser(login: string): Promise<BenchUser> {
      await call('register', 'POST', '/register', undefined, { login, password: passwordOf(login), email: `${login}@bench.example` });
      const token = await logIn(login);
      const topUp = await call('top-up', 'POST', '/billing/change', token, { amount: TOP_UP });
      if (typeof topUp.body?.user_id !== 'number') throw new RequestFailed('unexpected body on top-up');
      return { login, userId: topUp.body.user_id, token };
    },

    async runCycle(user: BenchUser): Promise<CycleResult> {
      const steps: StepTiming[] = [];
      const timed = async (step: Step, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
        const sentAt = performance.now();
        const answer = await call(step, method, path, user.token, body);
        steps.push({ step, sentAt, endedAt: performance.now() });
        return answer.body;
      };
      try {
        const created = await timed('create', 'POST', '/order', { price: ORDER_PRICE });
        if (typeof created?.id !== 'number' || typeof created.user_id !== 'number' || created.status !== 'new') throw new RequestFailed('unexpected body on create');
        const order = { id: created.id, userId: created.user_id };
        const paid = await timed('pay', 'PUT', `/order/${order.id}/pay`);
        const billing = paid?.billing as { status?: unknown } | undefined;
        const isPaid = paid?.status === 'processing' && billing?.status === 'OK';
        if (!isPaid && !(paid?.status === 'failed' && billing?.status === 'ERROR')) throw new RequestFailed('unexpected body on pay');
        if (typeof (await timed('balance', 'GET', '/billing/current'))?.balance !== 'number') throw new RequestFailed('unexpected body on balance');
        if (!Array.isArray(await timed('letters', 'GET', '/notification'))) throw new RequestFailed('unexpected body on letters');
        return { steps, outcome: isPaid ? 'paid' : 'declined', order };
      } catch (error) {
        if (!(error instanceof RequestFailed)) throw error;
        return { steps, outcome: 'error', error: error.message };
      }
    },

    /** Logs a prepared user in again, as a returning client does: how long it took, or what went wrong. */
    async timeLogin(user: BenchUser): Promise<{ ms: number } | { error: string }> {
      const sentAt = performance.now();
      try {
        await logIn(user.login);
        return { ms: performance.now() - sentAt };
      } catch (error) {
        if (!(error instanceof RequestFailed)) throw error;
        return { error: error.message };
      }
    },

    close: () => pool.close(),
  };
}
export type GatewayClient = ReturnType<typeof createGatewayClient>;

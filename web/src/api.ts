import LinkHeader from 'http-link-header';

/**
 * The public API through the gateway, same origin, the session in its HttpOnly cookie. Every failure
 * is an ApiError carrying the RFC 9457 problem document the services answer with.
 */

export interface User {
  id: number;
  login: string;
  email: string;
}

export interface Balance {
  user_id: number;
  balance: number;
}

export interface LedgerEntry {
  id: number;
  kind: 'top_up' | 'withdrawal' | 'payment' | 'refund';
  amount: number;
  balance_after: number;
  order_id: number | null;
  created_at: string;
}

export type OrderStatus = 'new' | 'pending' | 'processing' | 'failed' | 'cancelling' | 'cancelled';

export interface Order {
  id: number;
  user_id: number;
  price: number;
  status: OrderStatus;
  billing: { status: 'OK' | 'ERROR'; reason?: string } | null;
  refunded: number | null;
  created_at: string;
  updated_at: string;
}

export interface Letter {
  id: number;
  order_id: number;
  email: string;
  event: string;
  message: string;
  created_at: string;
}

export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
}

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get isSessionExpired(): boolean {
    return this.problem.status === 401;
  }
}

/** One page of a list, newest first, and where the older items are. */
export interface Page<T> {
  items: T[];
  /** The next page's URL, from `Link: <…>; rel="next"`; undefined on the last page. */
  next: string | undefined;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await send<T>(method, path, body)).document;
}

async function callPage<T>(path: string): Promise<Page<T>> {
  const { document, response } = await send<T[]>('GET', path);
  const link = response.headers.get('link');
  return { items: document, next: link === null ? undefined : LinkHeader.parse(link).rel('next')[0]?.uri };
}

async function send<T>(method: string, path: string, body?: unknown): Promise<{ document: T; response: Response }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network.unreachable', title: 'Offline', detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  const document = parseJson(await response.text());
  if (!response.ok) throw new ApiError(asProblem(response.status, document));
  return { document: document as T, response };
}

function parseJson(text: string): unknown {
  try {
    return text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page, say: asProblem describes the status instead.
    return undefined;
  }
}

function asProblem(status: number, document: unknown): Problem {
  if (typeof document === 'object' && document !== null && 'code' in document) return { ...(document as Problem), status };
  return { status, code: 'http.error', title: 'Request failed', detail: `The server answered ${status}.` };
}

export const api = {
  register: (input: { login: string; password: string; email: string; first_name?: string; last_name?: string }) => call<User>('POST', '/register', input),
  logIn: (login: string, password: string) => call<User>('POST', '/login', { login, password }),
  logOut: () => call<unknown>('POST', '/logout'),
  findCurrentUser: () => call<User>('GET', '/auth'),
  getBalance: () => call<Balance>('GET', '/billing/current'),
  topUp: (amount: number) => call<Balance & { amount: number }>('POST', '/billing/change', { amount }),
  /** The newest entries, or the page a previous one's `next` names. */
  listLedger: (page = '/billing/transactions') => callPage<LedgerEntry>(page),
  listOrders: (page = '/order') => callPage<Order>(page),
  createOrder: (price: number) => call<Order>('POST', '/order', { price }),
  payOrder: (id: number) => call<Order>('PUT', `/order/${id}/pay`),
  cancelOrder: (id: number) => call<Order>('POST', `/order/${id}/cancel`),
  listLetters: (page = '/notification') => callPage<Letter>(page),
};

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import LinkHeader from 'http-link-header';
import { createIdentitySigner, encodeIdentityHeaders, type Identity } from './identity.js';
import type { ServiceApp } from './app.js';

export interface TestIdentities {
  /** Give this to the app under test: it believes what `headersFor` signs. */
  publicKey: KeyObject;
  /** The headers the edge passes on for this user, signed as auth signs them. */
  headersFor(userId: number, fields?: Partial<Omit<Identity, 'userId'>>): Promise<Record<string, string>>;
}

/** A key pair of its own for a component test, standing in for auth's. */
export function createTestIdentities(): TestIdentities {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signer = createIdentitySigner(privateKey, 600);
  return {
    publicKey,
    async headersFor(userId, fields = {}) {
      const identity = { userId, login: `user${userId}`, email: `user${userId}@example.com`, firstName: '', lastName: '', ...fields };
      return encodeIdentityHeaders(identity, await signer.sign(identity));
    },
  };
}

export interface RecordedCall {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type StubHandler = (call: RecordedCall) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

export interface StubPeer {
  url: string;
  calls: RecordedCall[];
  /** Replaces how the stub answers, e.g. to simulate an outage in one test. */
  respondWith(handler: StubHandler): void;
  close(): Promise<void>;
}

export interface SilentServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * A server that accepts connections and never says a word: a hung process or a network that drops
 * every answer, for a peer (HTTP) or a database (PostgreSQL's protocol) alike.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A peer service stubbed at the HTTP boundary for component tests: a real server on a free port that
 * records each call and answers with the handler's reply. The end-to-end tests use the real peers.
 */
export async function startStubPeer(handler: StubHandler): Promise<StubPeer> {
  let current = handler;
  const calls: RecordedCall[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const call: RecordedCall = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body: text.length > 0 ? JSON.parse(text) : undefined,
      };
      calls.push(call);
      Promise.resolve(current(call)).then(
        (reply) => {
          response.writeHead(reply.status, { 'content-type': 'application/json' });
          response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
        },
        () => {
          response.writeHead(500).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    respondWith(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FetchedPage<T> {
  status: number;
  body: T[];
  /** The response's Link header, if any. */
  link: string | undefined;
}

export interface WalkedList<T> {
  items: T[];
  /** Every URL requested, the first one included. */
  urls: string[];
}

/**
 * Follows `Link: <…>; rel="next"` from `firstUrl` until a page has none, as a client walks a list,
 * and gathers the items of every page. `between` runs after each page, e.g. to write more rows while
 * the walk goes on. Throws on a non-200 page or a walk that never ends.
 */
export async function walkPages<T>(
  firstUrl: string,
  fetchPage: (url: string) => Promise<FetchedPage<T>>,
  options: { between?: () => Promise<void>; maxPages?: number } = {},
): Promise<WalkedList<T>> {
  const items: T[] = [];
  const urls: string[] = [];
  let url: string | undefined = firstUrl;
  while (url !== undefined) {
    if (urls.length >= (options.maxPages ?? 1000)) throw new Error(`more than ${urls.length} pages from ${firstUrl}`);
    urls.push(url);
    const page = await fetchPage(url);
    if (page.status !== 200) throw new Error(`${url} answered ${page.status}: ${JSON.stringify(page.body)}`);
    items.push(...page.body);
    url = page.link === undefined ? undefined : LinkHeader.parse(page.link).rel('next')[0]?.uri;
    await options.between?.();
  }
  return { items, urls };
}

/** One page of a list from an app under test, as walkPages takes it: the body is the list, or a problem. */
export async function injectPage(app: ServiceApp, url: string, headers: Record<string, string>) {
  const response = await app.inject({ method: 'GET', url, headers });
  const link = response.headers.link;
  return { status: response.statusCode, body: response.json(), link: typeof link === 'string' ? link : undefined };
}

/** `before` values that are no id at all: each is a 400 `request.invalid` before any query runs. */
export const MALFORMED_CURSORS = ['abc', '-1', '0', '007', '1.5', '1e3', '', ' 1', '9'.repeat(16), '9'.repeat(5000)];

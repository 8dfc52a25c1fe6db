import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { createCorkingSocket } from '@orderflow/db';
// The services' own stores, so the bound runs exactly their statements (same SQL, same prepared
// statement names). Services never import each other; the bench is not a service. Each service's
// package.json exports `./store/*` for this alone.
import { createSessionsStore } from '@orderflow/auth/store/sessions.store';
import { createUsersStore } from '@orderflow/auth/store/users.store';
import { createAccountsStore } from '@orderflow/billing/store/accounts.store';
import { createPaymentsStore } from '@orderflow/billing/store/payments.store';
import { createOrdersStore } from '@orderflow/order/store/orders.store';
import { createDeliveredMarks, DEFAULT_DELIVERED_MARK_DELAY_MS, type DeliveredMarks } from '@orderflow/order/store/delivered-marks';
import { createLettersStore } from '@orderflow/notification/store/letters.store';

/**
 * The statements one cycle of the order flow runs, through the services' stores and in the order
 * their use cases run them, on the same databases, with the same transactions (so the same
 * commits), but with no HTTP, no JSON and no Node service in between: the database's own limit.
 *
 * Keep the sequence in step with the use cases (services/order/src/domain/pay-order.ts and the
 * routes); the statements themselves cannot drift. The bench prints the commits per paid order of the
 * system next to this one's; a difference means the sequence has drifted.
 */

/** auth's defaults: SESSION_IDLE_SECONDS, SESSION_ABSOLUTE_SECONDS, and authenticate-session.ts's touch interval. */
const SESSION_IDLE_SECONDS = 1800;
const SESSION_ABSOLUTE_SECONDS = 43_200;
const TOUCH_AFTER_MS = 60_000;
/** The gateway's SESSION_CACHE_MS default: it asks auth about a session at most this often. */
const SESSION_CACHE_MS = 5000;
/** GET /notification's first page as the route reads it: the default 20 and one more to know if there is a next (packages/kit/src/page.ts). */
const LETTERS_PAGE = { throughId: null, limit: 20 + 1 };
/** The gateway flow's price (1.00) and top-up (1 000 000 000.00) in minor units. */
const PRICE_MINOR = 100;
const TOP_UP_MINOR = 100_000_000_000;

export interface DatabaseUrls {
  auth: string;
  billing: string;
  order: string;
  notification: string;
}

/** One connection per service database: a worker's cycle uses one of them at a time, as one request does. */
export interface FlowConnections {
  auth: pg.Client;
  billing: pg.Client;
  order: pg.Client;
  notification: pg.Client;
}

export interface FlowUser {
  id: number;
  email: string;
  tokenHash: Buffer;
  /** When the gateway last asked auth about this user's session. */
  checkedAt?: number;
}

// The services' pool settings (packages/db createPool): the same statement timeout and socket.
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, statement_timeout: 10_000, stream: createCorkingSocket });
  await client.connect();
  return client;
}

export async function connectFlow(urls: DatabaseUrls): Promise<FlowConnections> {
  const [auth, billing, order, notification] = await Promise.all([connect(urls.auth), connect(urls.billing), connect(urls.order), connect(urls.notification)]);
  return { auth: auth!, billing: billing!, order: order!, notification: notification! };
}

export async function closeFlow(connections: FlowConnections): Promise<void> {
  await Promise.all(Object.values(connections).map((client: pg.Client) => client.end()));
}

export interface FlowDeliveredMarks {
  marks: DeliveredMarks;
  close(): Promise<void>;
}

/** Order's batched delivered marks, one for every cycle as the order process has one, on a connection of their own. */
export async function connectDeliveredMarks(orderUrl: string, onError: (error: unknown) => void): Promise<FlowDeliveredMarks> {
  const client = await connect(orderUrl);
  const marks = createDeliveredMarks(client, { delayMs: DEFAULT_DELIVERED_MARK_DELAY_MS, onMarked: () => {}, onError });
  return {
    marks,
    async close() {
      await marks.flush();
      await client.end();
    },
  };
}

/** A fresh user as register, login and top-up leave it: a user, a live session, an account with money. */
export async function createFlowUser(db: FlowConnections, login: string): Promise<FlowUser> {
  const email = `${login}@bench.example`;
  // Never a valid PHC string: this user cannot log in, it only needs a session.
  const user = await createUsersStore(db.auth).insertUser({ login, email, firstName: '', lastName: '', passwordHash: 'bench-user-without-password' });
  if (user === null) throw new Error(`bound: the login ${login} is taken`);
  const tokenHash = createHash('sha256').update(randomBytes(32).toString('base64url')).digest();
  const now = new Date();
  await createSessionsStore(db.auth).insertSession({ tokenHash, userId: user.id, now, expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_SECONDS * 1000) });
  const accounts = createAccountsStore(db.billing);
  await accounts.openAccount(user.id);
  await accounts.changeBalance(user.id, TOP_UP_MINOR, 'top_up');
  return { id: user.id, email, tokenHash };
}

/** The forward-auth check the gateway makes before a request when its remembered answer is older than SESSION_CACHE_MS. */
async function authenticate(db: FlowConnections, user: FlowUser): Promise<void> {
  const now = new Date();
  if (user.checkedAt !== undefined && now.getTime() - user.checkedAt < SESSION_CACHE_MS) return;
  user.checkedAt = now.getTime();
  const sessions = createSessionsStore(db.auth);
  const session = await sessions.findActiveSession(user.tokenHash, now, SESSION_IDLE_SECONDS);
  if (session === null) throw new Error('bound: the session was not found');
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_AFTER_MS) await sessions.touchSession(user.tokenHash, now);
}

/** One cycle: create an order, pay it (billing, outbox, letter), read the balance, read the letters. */
export async function runFlowCycle(db: FlowConnections, user: FlowUser, deliveredMarks: DeliveredMarks): Promise<void> {
  const orders = createOrdersStore(db.order);
  const letters = createLettersStore(db.notification);

  // POST /order
  await authenticate(db, user);
  const created = await orders.insertOrder(user.id, PRICE_MINOR, user.email);

  // PUT /order/:id/pay (pay-order.ts)
  await authenticate(db, user);
  const claimed = await orders.transition(created.id, 'new', 'pending', { ownerId: user.id, email: user.email });
  if (claimed === null) throw new Error('bound: the order was not claimed');
  const decision = await createPaymentsStore(db.billing).decidePayment(created.id, user.id, PRICE_MINOR);
  if (decision.status !== 'succeeded') throw new Error('bound: the payment was declined');
  const letter = { orderId: created.id, userId: user.id, email: user.email, event: 'order.processing', message: `Order #${created.id} Processing: ${PRICE_MINOR / 100} paid.` };
  // The outcome commits before the letter is delivered (letters.ts recordOutcome).
  const settled = await orders.recordOutcome(created.id, { from: 'pending', to: 'processing', payment: { status: 'succeeded', reason: null } }, { event: letter.event, message: letter.message });
  if (settled === null) throw new Error('bound: the order was not settled');
  await letters.storeLetter({ deliveryId: `order-${created.id}-${letter.event}`, ...letter });
  deliveredMarks.add(settled.letter.id);

  // GET /billing/current
  await authenticate(db, user);
  await createAccountsStore(db.billing).findAccount(user.id);

  // GET /notification
  await authenticate(db, user);
  await letters.listLettersOfUser(user.id, LETTERS_PAGE);
}

import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The SQL one cycle of the order flow runs today, copied from the services' stores and issued in the
 * same order, on the same databases, with the same transactions (so the same commits), but with no
 * HTTP, no JSON and no Node service in between: the database's own limit for this flow.
 *
 * Keep it in step with the services: when a store's statement or a route's sequence of them changes,
 * change it here. The bench prints the commits per paid order of the system next to this one's; a
 * difference means this copy has drifted.
 */
const SQL = {
  // auth: sessions.store.ts findActiveSession, run by GET /auth, which the gateway asks once per
  // session every SESSION_CACHE_MS (services/gateway/src/session-cache.ts).
  findActiveSession: `SELECT s.user_id, s.last_seen_at, s.expires_at, u.login, u.email, u.first_name, u.last_name
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1
            AND s.expires_at > $2
            AND s.last_seen_at > $2 - make_interval(secs => $3)`,
  // auth: sessions.store.ts touchSession, at most once a minute per session (authenticate-session.ts).
  touchSession: 'UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2',
  // order: orders.store.ts insertOrder (POST /order).
  insertOrder: 'INSERT INTO orders (user_id, price_minor, email) VALUES ($1, $2, $3) RETURNING *',
  // order: orders.store.ts transition (new → pending, then pending → processing in PUT /order/:id/pay).
  transition: `UPDATE orders
            SET status = $3,
                billing_status = coalesce($4, billing_status),
                billing_reason = CASE WHEN $4::text IS NULL THEN billing_reason ELSE $5 END,
                refunded_minor = coalesce($6, refunded_minor),
                email = coalesce($7, email),
                updated_at = now()
          WHERE id = $1 AND status = $2 AND ($8::bigint IS NULL OR user_id = $8)
          RETURNING *`,
  // billing: payments.store.ts decidePayment (POST /internal/payments; findDecision only on a repeat).
  decidePayment: `WITH debited AS (
           UPDATE accounts SET balance_minor = balance_minor - $3, updated_at = now()
            WHERE user_id = $2 AND balance_minor >= $3
           RETURNING user_id, balance_minor
         ), decision AS (
           INSERT INTO payment_decisions (order_id, user_id, amount_minor, status, reason)
           SELECT $1, $2, $3,
                  CASE WHEN EXISTS (SELECT 1 FROM debited) THEN 'succeeded' ELSE 'declined' END,
                  CASE WHEN EXISTS (SELECT 1 FROM debited) THEN NULL ELSE 'insufficient_funds' END
           RETURNING *
         ), entry AS (
           INSERT INTO ledger_entries (user_id, kind, amount_minor, balance_after_minor, order_id)
           SELECT user_id, 'payment', -$3, balance_minor, $1 FROM debited
         )
         SELECT * FROM decision`,
  // order: orders.store.ts settlePending: pending → processing and the outbox letter in one statement.
  settlePending: `WITH settled AS (
                 UPDATE orders SET status = $2, billing_status = $3, billing_reason = $4, updated_at = now()
                  WHERE id = $1 AND status = 'pending'
                 RETURNING *
               ), letter AS (
                 INSERT INTO outbox (order_id, user_id, email, event, message)
                 SELECT id, user_id, email, $5, $6 FROM settled
                 RETURNING id AS outbox_id, attempts
               )
               SELECT settled.*, letter.outbox_id, letter.attempts FROM settled CROSS JOIN letter`,
  // notification: letters.store.ts storeLetter (POST /internal/letters).
  storeLetter: `WITH inserted AS (
           INSERT INTO letters (delivery_id, user_id, order_id, email, event, message)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (delivery_id) DO NOTHING
           RETURNING *
         )
         SELECT *, true AS is_new FROM inserted
         UNION ALL
         SELECT *, false AS is_new FROM letters WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
  // order: outbox.store.ts markDelivered, which the service runs just after answering the pay request.
  markDelivered: 'UPDATE outbox SET delivered_at = now() WHERE id = $1 AND delivered_at IS NULL',
  // billing: accounts.store.ts findAccount (GET /billing/current).
  findAccount: 'SELECT balance_minor FROM accounts WHERE user_id = $1',
  // notification: letters.store.ts listLettersOfUser (GET /notification, a page of 100).
  listLetters: 'SELECT * FROM letters WHERE user_id = $1 ORDER BY id DESC LIMIT $2',

  // Preparation only, outside the measured loop: what register, login and top-up leave behind.
  insertUser: 'INSERT INTO users (login, email, password_hash) VALUES ($1, $2, $3) RETURNING id',
  insertSession: `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
  openAccount: `WITH inserted AS (
           INSERT INTO accounts (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING RETURNING balance_minor
         )
         SELECT balance_minor FROM inserted
         UNION ALL
         SELECT balance_minor FROM accounts WHERE user_id = $1`,
  changeBalance: `WITH changed AS (
           UPDATE accounts SET balance_minor = balance_minor + $2, updated_at = now()
            WHERE user_id = $1 AND balance_minor + $2 >= 0
           RETURNING user_id, balance_minor
         )
         INSERT INTO ledger_entries (user_id, kind, amount_minor, balance_after_minor)
         SELECT user_id, $3, $2, balance_minor FROM changed
         RETURNING balance_after_minor`,
};

/** The services name their hot statements, so PostgreSQL parses and plans each once per connection. */
function prepared(name: string, text: string, values: unknown[]): pg.QueryConfig {
  return { name, text, values };
}

/** auth's defaults: SESSION_IDLE_SECONDS, SESSION_ABSOLUTE_SECONDS, and authenticate-session.ts's touch interval. */
const SESSION_IDLE_SECONDS = 1800;
const SESSION_ABSOLUTE_SECONDS = 43_200;
const TOUCH_AFTER_MS = 60_000;
/** GET /notification's default page (packages/kit/src/page.ts DEFAULT_PAGE_SIZE). */
const LETTERS_PAGE = 20;
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
  /** When the gateway last asked auth about this user's session (its cache keeps the answer 5 s). */
  checkedAt?: number;
}

/** The gateway's SESSION_CACHE_MS default. */
const SESSION_CACHE_MS = 5000;

export async function connectFlow(urls: DatabaseUrls): Promise<FlowConnections> {
  // The services' pool settings (packages/db createPool): the same statement timeout.
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url, statement_timeout: 10_000 });
    await client.connect();
    return client;
  };
  const [auth, billing, order, notification] = await Promise.all([connect(urls.auth), connect(urls.billing), connect(urls.order), connect(urls.notification)]);
  return { auth: auth!, billing: billing!, order: order!, notification: notification! };
}

export async function closeFlow(connections: FlowConnections): Promise<void> {
  await Promise.all(Object.values(connections).map((client: pg.Client) => client.end()));
}

/** A fresh user as register, login and top-up leave it: a user, a live session, an account with money. */
export async function createFlowUser(db: FlowConnections, login: string): Promise<FlowUser> {
  const email = `${login}@bench.example`;
  // Never a valid PHC string: this user cannot log in, it only needs a session.
  const { rows } = await db.auth.query<{ id: string }>(SQL.insertUser, [login, email, 'bench-user-without-password']);
  const id = Number(rows[0]!.id);
  const tokenHash = createHash('sha256').update(randomBytes(32).toString('base64url')).digest();
  const now = new Date();
  await db.auth.query(SQL.insertSession, [tokenHash, id, now, new Date(now.getTime() + SESSION_ABSOLUTE_SECONDS * 1000)]);
  await db.billing.query(SQL.openAccount, [id]);
  await db.billing.query(SQL.changeBalance, [id, TOP_UP_MINOR, 'top_up']);
  return { id, email, tokenHash };
}

/** The forward-auth check the gateway makes before a request when its cached answer is older than SESSION_CACHE_MS. */
async function authenticate(db: FlowConnections, user: FlowUser): Promise<void> {
  const now = new Date();
  if (user.checkedAt !== undefined && now.getTime() - user.checkedAt < SESSION_CACHE_MS) return;
  user.checkedAt = now.getTime();
  const { rows } = await db.auth.query<{ last_seen_at: Date }>(prepared('sessions.find_active', SQL.findActiveSession, [user.tokenHash, now, SESSION_IDLE_SECONDS]));
  if (rows[0] === undefined) throw new Error('bound: the session was not found');
  if (now.getTime() - rows[0].last_seen_at.getTime() >= TOUCH_AFTER_MS) await db.auth.query(SQL.touchSession, [user.tokenHash, now]);
}

/** One cycle: create an order, pay it (billing, outbox, letter), read the balance, read the letters. */
export async function runFlowCycle(db: FlowConnections, user: FlowUser): Promise<void> {
  // POST /order
  await authenticate(db, user);
  const { rows: created } = await db.order.query<{ id: string }>(prepared('orders.insert', SQL.insertOrder, [user.id, PRICE_MINOR, user.email]));
  const orderId = Number(created[0]!.id);

  // PUT /order/:id/pay
  await authenticate(db, user);
  const { rowCount: claimed } = await db.order.query(prepared('orders.transition', SQL.transition, [orderId, 'new', 'pending', null, null, null, user.email, user.id]));
  if (claimed !== 1) throw new Error('bound: the order was not claimed');
  const { rows: decision } = await db.billing.query<{ status: string }>(prepared('payments.decide', SQL.decidePayment, [orderId, user.id, PRICE_MINOR]));
  if (decision[0]?.status !== 'succeeded') throw new Error('bound: the payment was declined');
  const message = `Order #${orderId} Processing: ${PRICE_MINOR / 100} paid.`;
  const { rows: settled } = await db.order.query<{ outbox_id: string }>(
    prepared('orders.settle_pending', SQL.settlePending, [orderId, 'processing', 'OK', null, 'order.processing', message]),
  );
  if (settled[0] === undefined) throw new Error('bound: the order was not settled');
  const outboxId = Number(settled[0].outbox_id);
  await db.notification.query(prepared('letters.store', SQL.storeLetter, [`order-${orderId}-order.processing`, user.id, orderId, user.email, 'order.processing', message]));
  await db.order.query(prepared('outbox.mark_delivered', SQL.markDelivered, [outboxId]));

  // GET /billing/current
  await authenticate(db, user);
  await db.billing.query(prepared('accounts.find', SQL.findAccount, [user.id]));

  // GET /notification
  await authenticate(db, user);
  await db.notification.query(prepared('letters.list_of_user', SQL.listLetters, [user.id, LETTERS_PAGE]));
}

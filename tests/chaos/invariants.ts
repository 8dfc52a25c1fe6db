import pg from 'pg';

/** What one simulated user asked for and what the system confirmed. */
export interface UserLedger {
  userId: number;
  topUpKeysIssued: number;
  topUpKeysConfirmed: number;
  orderKeysIssued: number;
  orderKeysConfirmed: number;
}

/** What the system answered the simulated users with 2xx, to hold against where it ended. */
export interface ClientAnswers {
  /** Per order, the status of every 200 answer to its pay. */
  paid: Map<number, string[]>;
  /** Orders whose cancel was answered 200. */
  cancelled: Set<number>;
}

interface Urls {
  auth: string;
  billing: string;
  order: string;
  notification: string;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const EXPECTED_LETTERS: Record<string, (refunded: boolean) => string[]> = {
  new: () => [],
  processing: () => ['order.processing'],
  failed: () => ['order.failed'],
  cancelled: (refunded) => (refunded ? ['order.cancelled', 'order.processing'] : ['order.cancelled']),
};

/**
 * Checks, from each service's own database, that no money or letter was lost or doubled. Returns one
 * line per violation; an empty list means every invariant holds.
 */
export async function checkInvariants(urls: Urls, users: UserLedger[], answers: ClientAnswers): Promise<string[]> {
  const violations: string[] = [];
  const userIds = users.map((u) => u.userId);

  const accounts = await query<{ user_id: string; balance: string; ledger: string; top_ups: string; withdrawals: string; payments: string; refunds: string; top_up_rows: string }>(
    urls.billing,
    `SELECT a.user_id, a.balance_minor AS balance,
            coalesce(sum(l.amount_minor), 0) AS ledger,
            coalesce(sum(l.amount_minor) FILTER (WHERE kind = 'top_up'), 0) AS top_ups,
            coalesce(sum(l.amount_minor) FILTER (WHERE kind = 'withdrawal'), 0) AS withdrawals,
            coalesce(sum(l.amount_minor) FILTER (WHERE kind = 'payment'), 0) AS payments,
            coalesce(sum(l.amount_minor) FILTER (WHERE kind = 'refund'), 0) AS refunds,
            count(*) FILTER (WHERE kind = 'top_up') AS top_up_rows
       FROM accounts a LEFT JOIN ledger_entries l ON l.user_id = a.user_id
      WHERE a.user_id = ANY($1) GROUP BY a.user_id, a.balance_minor`,
    [userIds],
  );
  const accountOf = new Map(accounts.map((a) => [Number(a.user_id), a]));
  const charges = await query<{ order_id: string; kind: string; n: string; amount: string }>(
    urls.billing,
    `SELECT order_id, kind, count(*) AS n, sum(amount_minor) AS amount FROM ledger_entries
      WHERE user_id = ANY($1) AND order_id IS NOT NULL GROUP BY order_id, kind`,
    [userIds],
  );
  const chargesOf = new Map<number, Map<string, { n: number; amount: number }>>();
  for (const c of charges) {
    const byKind = chargesOf.get(Number(c.order_id)) ?? new Map();
    byKind.set(c.kind, { n: Number(c.n), amount: Number(c.amount) });
    chargesOf.set(Number(c.order_id), byKind);
  }

  const orders = await query<{ id: string; user_id: string; price_minor: string; status: string; refunded_minor: string | null }>(
    urls.order,
    'SELECT id, user_id, price_minor, status, refunded_minor FROM orders WHERE user_id = ANY($1)',
    [userIds],
  );
  const letters = await query<{ order_id: string; event: string; n: string }>(
    urls.notification,
    'SELECT order_id, event, count(*) AS n FROM letters WHERE user_id = ANY($1) GROUP BY order_id, event',
    [userIds],
  );
  const lettersOf = new Map<number, string[]>();
  for (const letter of letters) {
    if (Number(letter.n) !== 1) violations.push(`order ${letter.order_id}: ${letter.n} letters for ${letter.event}`);
    lettersOf.set(Number(letter.order_id), [...(lettersOf.get(Number(letter.order_id)) ?? []), letter.event].sort());
  }
  const undelivered = await query<{ n: string }>(urls.order, 'SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL');
  if (Number(undelivered[0]!.n) > 0) violations.push(`${undelivered[0]!.n} letters still in the outbox`);

  const orderIds = new Set<number>();
  for (const order of orders) {
    const id = Number(order.id);
    orderIds.add(id);
    const price = Number(order.price_minor);
    const payment = chargesOf.get(id)?.get('payment');
    const refund = chargesOf.get(id)?.get('refund');
    const isRefunded = order.refunded_minor !== null;
    const isPaid = order.status === 'processing' || (order.status === 'cancelled' && isRefunded);
    if (order.status === 'pending' || order.status === 'cancelling') violations.push(`order ${id} left ${order.status}`);
    if (isPaid && (payment?.n !== 1 || payment.amount !== -price)) violations.push(`order ${id} (${order.status}) has ${payment?.n ?? 0} payments of ${payment?.amount ?? 0}, price ${price}`);
    if (!isPaid && payment !== undefined) violations.push(`order ${id} (${order.status}) was charged ${payment.n} times without being paid`);
    if (isRefunded && (refund?.n !== 1 || refund.amount !== price)) violations.push(`cancelled order ${id} has ${refund?.n ?? 0} refunds`);
    if (!isRefunded && refund !== undefined) violations.push(`order ${id} (${order.status}) was refunded without a recorded cancellation`);
    const expected = EXPECTED_LETTERS[order.status]?.(isRefunded) ?? [];
    const actual = lettersOf.get(id) ?? [];
    if (JSON.stringify(actual) !== JSON.stringify(expected)) violations.push(`order ${id} (${order.status}) has letters [${actual}] instead of [${expected}]`);
  }
  violations.push(...checkAnswersAgainstOrders(answers, orders));
  violations.push(...(await findUsersWithoutAccounts(urls)).map((id) => `user ${id} can log in but has no billing account`));
  for (const orderId of chargesOf.keys()) {
    if (!orderIds.has(orderId)) violations.push(`billing charged order ${orderId}, which order does not know`);
  }

  for (const user of users) {
    const account = accountOf.get(user.userId);
    if (account === undefined) {
      violations.push(`user ${user.userId} has no billing account`);
      continue;
    }
    const balance = Number(account.balance);
    if (balance < 0) violations.push(`user ${user.userId} balance is negative: ${balance}`);
    if (balance !== Number(account.ledger)) violations.push(`user ${user.userId} balance ${balance} ≠ ledger sum ${account.ledger}`);
    const expected = Number(account.top_ups) + Number(account.withdrawals) + Number(account.payments) + Number(account.refunds);
    if (balance !== expected) violations.push(`user ${user.userId} balance ${balance} ≠ top-ups − withdrawals − payments + refunds = ${expected}`);
    const topUps = Number(account.top_up_rows);
    if (topUps < user.topUpKeysConfirmed || topUps > user.topUpKeysIssued) {
      violations.push(`user ${user.userId} has ${topUps} top-ups for ${user.topUpKeysConfirmed} confirmed of ${user.topUpKeysIssued} requested`);
    }
    const userOrders = orders.filter((o) => Number(o.user_id) === user.userId).length;
    if (userOrders < user.orderKeysConfirmed || userOrders > user.orderKeysIssued) {
      violations.push(`user ${user.userId} has ${userOrders} orders for ${user.orderKeysConfirmed} confirmed of ${user.orderKeysIssued} requested`);
    }
  }
  return violations;
}

/**
 * A 200 to a pay is a promise: `processing` means paid (the order may be cancelled and refunded since),
 * `failed` means never charged. A 200 to a cancel means the order ends cancelled.
 */
export function checkAnswersAgainstOrders(answers: ClientAnswers, orders: ReadonlyArray<{ id: string; status: string; refunded_minor: string | null }>): string[] {
  const violations: string[] = [];
  const orderOf = new Map(orders.map((o) => [Number(o.id), o]));
  for (const [orderId, statuses] of answers.paid) {
    const order = orderOf.get(orderId);
    for (const answered of statuses) {
      const isKept =
        order !== undefined &&
        (answered === 'processing' ? order.status === 'processing' || (order.status === 'cancelled' && order.refunded_minor !== null) : answered === 'failed' && order.status === 'failed');
      if (!isKept) violations.push(`order ${orderId}: a pay was answered 200 ${answered}, but the order ends ${order?.status ?? 'missing'}${order?.status === 'cancelled' ? ' without a refund' : ''}`);
    }
  }
  for (const orderId of answers.cancelled) {
    const order = orderOf.get(orderId);
    if (order?.status !== 'cancelled') violations.push(`order ${orderId}: a cancel was answered 200, but the order ends ${order?.status ?? 'missing'}`);
  }
  return violations;
}

/** Users of auth with no account in billing: they could log in and never pay. Ids across two databases. */
async function findUsersWithoutAccounts(urls: Urls): Promise<number[]> {
  const users = await query<{ id: string }>(urls.auth, 'SELECT id FROM users');
  const accounts = await query<{ user_id: string }>(urls.billing, 'SELECT user_id FROM accounts WHERE user_id = ANY($1)', [users.map((u) => u.id)]);
  const withAccount = new Set(accounts.map((a) => a.user_id));
  return users.map((u) => u.id).filter((id) => !withAccount.has(id)).map(Number);
}

/** Waits until no order is unsettled, no letter undelivered and no user without an account, or the deadline passes. */
export async function waitForQuiescence(urls: Urls, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await query<{ unsettled: string; undelivered: string }>(
      urls.order,
      `SELECT (SELECT count(*) FROM orders WHERE status IN ('pending', 'cancelling')) AS unsettled,
              (SELECT count(*) FROM outbox WHERE delivered_at IS NULL) AS undelivered`,
    );
    if (Number(row!.unsettled) === 0 && Number(row!.undelivered) === 0 && (await findUsersWithoutAccounts(urls)).length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

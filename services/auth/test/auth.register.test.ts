import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAccountOpening } from '../src/domain/open-account.js';
import { newUser, startAuth, type AuthTestContext } from './helper.js';

describe('POST /register', () => {
  let context: AuthTestContext;
  before(async () => {
    context = await startAuth();
  });
  after(() => context.close());

  async function countUsers(login: string): Promise<number> {
    const { rows } = await context.database.pool.query('SELECT count(*)::int AS n FROM users WHERE lower(login) = lower($1)', [login]);
    return rows[0].n;
  }

  test('when the body is valid, then the user is created with an argon2id hash and billing opens an account', async () => {
    const user = newUser();

    const response = await context.app.inject({ method: 'POST', url: '/register', payload: user });

    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['email', 'id', 'login']);
    assert.equal(body.login, user.login);
    assert.ok(Number.isInteger(body.id));
    const { rows } = await context.database.pool.query('SELECT password_hash FROM users WHERE id = $1', [body.id]);
    assert.match(rows[0].password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(!rows[0].password_hash.includes(user.password));
    const call = context.billing.calls.find((c) => c.url === `/internal/accounts/${body.id}`);
    assert.equal(call?.method, 'PUT');
    assert.equal(call?.headers.authorization, 'Bearer test-internal-token');
  });

  test('when the login is taken in another letter case, then 409 and no second user', async () => {
    const user = newUser();
    await context.app.inject({ method: 'POST', url: '/register', payload: user });

    const response = await context.app.inject({ method: 'POST', url: '/register', payload: { ...user, login: user.login.toUpperCase() } });

    assert.equal(response.statusCode, 409);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().code, 'auth.login_taken');
    assert.equal(await countUsers(user.login), 1);
  });

  const invalidBodies: Array<[string, Record<string, unknown>]> = [
    ['the password is missing', { password: undefined }],
    ['the password has 7 characters', { password: 'short12' }],
    ['the password has 129 characters', { password: 'p'.repeat(129) }],
    ['the email is not an email', { email: 'not-an-email' }],
    ['the login has a space', { login: 'two words' }],
    ['the login is a number', { login: 12345 }],
    ['an unknown field is sent', { is_admin: true }],
  ];
  for (const [situation, change] of invalidBodies) {
    test(`when ${situation}, then 400 with what is wrong and no user`, async () => {
      const user = { ...newUser(), ...change };

      const response = await context.app.inject({ method: 'POST', url: '/register', payload: user });

      assert.equal(response.statusCode, 400);
      const problem = response.json();
      assert.equal(problem.code, 'request.invalid');
      assert.ok(problem.errors.length > 0);
      if (typeof user.login === 'string') assert.equal(await countUsers(user.login), 0);
    });
  }

  test('a password of 64 characters is accepted', async () => {
    const response = await context.app.inject({ method: 'POST', url: '/register', payload: newUser({ password: 'x'.repeat(64) }) });

    assert.equal(response.statusCode, 200);
  });

  async function accountOpenedAt(login: string): Promise<Date | null | undefined> {
    const { rows } = await context.database.pool.query('SELECT account_opened_at FROM users WHERE lower(login) = lower($1)', [login]);
    return rows[0]?.account_opened_at;
  }

  async function registerWhileBillingIsDown(user: ReturnType<typeof newUser>) {
    context.billing.respondWith(() => ({ status: 503 }));
    try {
      return await context.app.inject({ method: 'POST', url: '/register', payload: user });
    } finally {
      context.billing.respondWith(() => ({ status: 200, body: {} }));
    }
  }

  test('when billing is down, then 503 auth.account_pending with Retry-After, no login yet, and the same registration again finishes it', async () => {
    const user = newUser();

    const first = await registerWhileBillingIsDown(user);

    assert.equal(first.statusCode, 503);
    assert.equal(first.json().code, 'auth.account_pending');
    assert.ok(Number(first.headers['retry-after']) > 0);
    assert.equal(await countUsers(user.login), 1);
    assert.equal(await accountOpenedAt(user.login), null);
    context.billing.respondWith(() => ({ status: 503 }));
    const refusedLogin = await context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password: user.password } });
    context.billing.respondWith(() => ({ status: 200, body: {} }));
    assert.equal(refusedLogin.statusCode, 503, 'no session for a user without an account');
    assert.equal(refusedLogin.cookies.length, 0);

    const retry = await context.app.inject({ method: 'POST', url: '/register', payload: user });

    assert.equal(retry.statusCode, 200);
    const id = retry.json().id;
    assert.ok(context.billing.calls.some((call) => call.url === `/internal/accounts/${id}` && call.method === 'PUT'));
    assert.ok((await accountOpenedAt(user.login)) instanceof Date);
    assert.equal(await countUsers(user.login), 1);
    const again = await context.app.inject({ method: 'POST', url: '/register', payload: user });
    assert.equal(again.statusCode, 409, 'a finished registration is not repeated');
  });

  test('when billing was down at registration, then a login once it is back opens the account', async () => {
    const user = newUser();
    assert.equal((await registerWhileBillingIsDown(user)).statusCode, 503);
    const callsBefore = context.billing.calls.length;

    const login = await context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password: user.password } });

    assert.equal(login.statusCode, 200);
    assert.ok(context.billing.calls.slice(callsBefore).some((call) => call.url === `/internal/accounts/${login.json().id}`));
    assert.ok((await accountOpenedAt(user.login)) instanceof Date);
  });

  test('when an unfinished registration is retried with another password, then 409 and the account stays unopened', async () => {
    const user = newUser();
    assert.equal((await registerWhileBillingIsDown(user)).statusCode, 503);

    const other = await context.app.inject({ method: 'POST', url: '/register', payload: { ...user, password: 'another password' } });

    assert.equal(other.statusCode, 409);
    assert.equal(await accountOpenedAt(user.login), null);
  });

  test('when nobody comes back for an unfinished registration, then the background loop opens the account', async () => {
    const user = newUser();
    assert.equal((await registerWhileBillingIsDown(user)).statusCode, 503);

    const opening = startAccountOpening(context.deps, { intervalMs: 100, log: { warn: () => {} } });
    try {
      for (let attempt = 0; attempt < 100 && (await accountOpenedAt(user.login)) === null; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await opening.stop();
    }

    assert.ok((await accountOpenedAt(user.login)) instanceof Date);
  });
});

import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentityVerifier } from '@orderflow/kit';
import { newUser, registerAndLogIn, SESSION_POLICY, startAuth, THROTTLE_POLICY, type AuthTestContext } from './helper.js';

describe('sessions: POST /login, GET /auth, GET /logout', () => {
  let context: AuthTestContext;
  before(async () => {
    context = await startAuth();
  });
  after(() => context.close());

  const authWithCookie = (token: string) => context.app.inject({ method: 'GET', url: '/auth', cookies: { session_id: token } });

  test('when the password is right, then a HttpOnly SameSite=Lax cookie holds a 256-bit id stored only as its hash', async () => {
    const user = newUser();
    await context.app.inject({ method: 'POST', url: '/register', payload: user });

    const response = await context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password: user.password } });

    assert.equal(response.statusCode, 200);
    assert.equal(response.json().login, user.login);
    const setCookie = String(response.headers['set-cookie']);
    assert.match(setCookie, /^session_id=[A-Za-z0-9_-]{43};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Path=\//);
    const token = response.cookies[0]!.value;
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const { rows } = await context.database.pool.query('SELECT token_hash FROM sessions');
    const stored = rows.map((row: { token_hash: Buffer }) => row.token_hash.toString('hex'));
    assert.ok(stored.includes(createHash('sha256').update(token).digest('hex')));
    assert.ok(!stored.includes(Buffer.from(token, 'base64url').toString('hex')));
  });

  test('when logging in twice, then each login gets a new session id', async () => {
    const { user, token } = await registerAndLogIn(context);

    const again = await context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password: user.password } });

    assert.notEqual(again.cookies[0]!.value, token);
  });

  test('when the session is valid, then /auth answers the profile and the identity headers', async () => {
    const { id, user, token } = await registerAndLogIn(context);

    const response = await authWithCookie(token);

    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-userid'], String(id));
    assert.equal(response.headers['x-user'], user.login);
    assert.equal(response.headers['x-email'], encodeURIComponent(user.email));
    assert.equal(decodeURIComponent(String(response.headers['x-first-name'])), 'Ада');
    assert.equal(response.headers['x-last-name'], 'Lovelace');
    assert.deepEqual(response.json(), { id, login: user.login, email: user.email, first_name: 'Ада', last_name: 'Lovelace' });
  });

  test('when the session is valid, then /auth answers an identity signed with auth\'s key that a service reads back', async () => {
    const { id, user, token } = await registerAndLogIn(context);

    const response = await authWithCookie(token);

    const verify = createIdentityVerifier(context.identityPublicKey);
    assert.deepEqual(await verify(String(response.headers['x-identity-token'])), { userId: id, login: user.login, email: user.email, firstName: 'Ада', lastName: 'Lovelace' });
  });

  test('when an API client sends the session as a Bearer token, then /auth accepts it', async () => {
    const { id, token } = await registerAndLogIn(context);

    const response = await context.app.inject({ method: 'GET', url: '/auth', headers: { authorization: `Bearer ${token}` } });

    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-userid'], String(id));
  });

  for (const [situation, cookies] of [
    ['no cookie is sent', {}],
    ['the cookie is garbage', { session_id: 'garbage' }],
    ['the cookie is well-formed but unknown', { session_id: 'A'.repeat(43) }],
  ] as const) {
    test(`when ${situation}, then /auth is 401 without identity headers`, async () => {
      const response = await context.app.inject({ method: 'GET', url: '/auth', cookies });

      assert.equal(response.statusCode, 401);
      assert.equal(response.json().code, 'auth.unauthenticated');
      assert.equal(response.headers['x-userid'], undefined);
      assert.equal(response.headers['x-identity-token'], undefined);
    });
  }

  test('when the user logs out, then the same cookie is refused on the very next request', async () => {
    const { token } = await registerAndLogIn(context);

    const logout = await context.app.inject({ method: 'GET', url: '/logout', cookies: { session_id: token } });

    assert.equal(logout.statusCode, 200);
    assert.match(String(logout.headers['set-cookie']), /session_id=;.*Expires=Thu, 01 Jan 1970/);
    assert.equal((await authWithCookie(token)).statusCode, 401);
  });

  test('when the session is idle longer than the idle timeout, then it is refused', async () => {
    const { token } = await registerAndLogIn(context);
    context.clock.advanceSeconds(SESSION_POLICY.idleSeconds - 120);
    assert.equal((await authWithCookie(token)).statusCode, 200, 'still valid just before the idle timeout');

    context.clock.advanceSeconds(SESSION_POLICY.idleSeconds - 60);
    assert.equal((await authWithCookie(token)).statusCode, 200, 'use refreshed the idle timer');

    context.clock.advanceSeconds(SESSION_POLICY.idleSeconds + 1);
    assert.equal((await authWithCookie(token)).statusCode, 401);
  });

  test('when the session is older than its absolute lifetime, then it is refused however active', async () => {
    const { token } = await registerAndLogIn(context);
    const step = SESSION_POLICY.idleSeconds / 2;
    for (let elapsed = step; elapsed < SESSION_POLICY.absoluteSeconds; elapsed += step) {
      context.clock.advanceSeconds(step);
      assert.equal((await authWithCookie(token)).statusCode, 200, `valid after ${elapsed} s of activity`);
    }

    context.clock.advanceSeconds(step);

    assert.equal((await authWithCookie(token)).statusCode, 401);
  });

  test('when the password is wrong or the login unknown, then the same generic 401', async () => {
    const user = newUser();
    await context.app.inject({ method: 'POST', url: '/register', payload: user });

    const wrongPassword = await context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password: 'wrong password!' } });
    const unknownLogin = await context.app.inject({ method: 'POST', url: '/login', payload: { login: `${user.login}_nobody`, password: user.password } });

    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(unknownLogin.statusCode, 401);
    assert.equal(wrongPassword.json().detail, unknownLogin.json().detail);
    assert.equal(wrongPassword.json().code, unknownLogin.json().code);
    assert.equal(wrongPassword.headers['set-cookie'], undefined);
  });

  test('when a login fails too often, then 429 for a short while, then the right password works again', async () => {
    const user = newUser();
    await context.app.inject({ method: 'POST', url: '/register', payload: user });
    const attempt = (password: string) => context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password } });
    for (let i = 0; i < THROTTLE_POLICY.maxFailures; i++) assert.equal((await attempt('wrong password!')).statusCode, 401);

    const blocked = await attempt(user.password);

    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, 'auth.too_many_attempts');
    assert.ok(Number(blocked.headers['retry-after']) <= THROTTLE_POLICY.blockSeconds);
    context.clock.advanceSeconds(THROTTLE_POLICY.blockSeconds + 1);
    assert.equal((await attempt(user.password)).statusCode, 200);
  });

  test('when a stranger fails a login from one address, then the user elsewhere still logs in', async () => {
    const user = newUser();
    await context.app.inject({ method: 'POST', url: '/register', payload: user });
    const attempt = (password: string, client: string) =>
      context.app.inject({ method: 'POST', url: '/login', headers: { 'x-forwarded-for': client }, payload: { login: user.login, password } });
    for (let i = 0; i < THROTTLE_POLICY.maxFailures; i++) await attempt('wrong password!', '203.0.113.7');

    const stranger = await attempt(user.password, '203.0.113.7');
    const owner = await attempt(user.password, '198.51.100.20');

    assert.equal(stranger.statusCode, 429);
    assert.equal(owner.statusCode, 200);
  });

  test('/signin answers a 401 problem that says how to log in', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/signin' });

    assert.equal(response.statusCode, 401);
    assert.match(response.json().detail, /POST \/login/);
  });
});

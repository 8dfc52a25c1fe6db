import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSilentServer, type SilentServer } from '@orderflow/kit/testing';
import { newUser, startAuth, type AuthTestContext } from './helper.js';

const POOL_SIZE = 2;
const BILLING_TIMEOUT_MS = 3_000;
/** A login is an argon2 check and three statements; a second is a generous bound on a busy machine. */
const PROMPT_LOGIN_MS = 1_500;

describe('auth while billing never answers', () => {
  let context: AuthTestContext;
  // A billing that accepts connections and never answers.
  let billing: SilentServer;
  const existing = newUser();
  before(async () => {
    billing = await startSilentServer();
    context = await startAuth({ billingUrl: billing.url, billingTimeoutMs: BILLING_TIMEOUT_MS, poolSize: POOL_SIZE });
    // Registered as if billing had answered then: its account is open.
    await context.app.inject({ method: 'POST', url: '/register', payload: existing }).catch(() => undefined);
    await context.database.pool.query('UPDATE users SET account_opened_at = now() WHERE login = $1', [existing.login]);
  });
  after(async () => {
    await context.close();
    await billing.close();
  });

  test('when registrations wait on billing, then they hold no database connection and logins keep succeeding promptly', async () => {
    const registrations = Array.from({ length: POOL_SIZE * 3 }, () => context.app.inject({ method: 'POST', url: '/register', payload: newUser() }));
    // Let every registration reach its billing call.
    await new Promise((resolve) => setTimeout(resolve, 500));

    for (let attempt = 0; attempt < 3; attempt++) {
      const started = performance.now();
      const login = await context.app.inject({ method: 'POST', url: '/login', payload: { login: existing.login, password: existing.password } });
      const ms = performance.now() - started;
      assert.equal(login.statusCode, 200, login.body);
      assert.ok(ms < PROMPT_LOGIN_MS, `login ${attempt} took ${Math.round(ms)} ms`);
    }

    const answers = await Promise.all(registrations);
    for (const answer of answers) {
      assert.equal(answer.statusCode, 503);
      assert.equal(answer.json().code, 'auth.account_pending');
    }
  });
});

import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createPool } from '@orderflow/db';
import { createTestDatabase, type TestDatabase } from '@orderflow/db/testing';
import { startStubPeer, type StubPeer } from '@orderflow/kit/testing';
import { createPeerClient } from '@orderflow/http-client';
import { buildAuthApp } from '../src/app.js';
import { MIGRATIONS } from '../src/migrations.js';
import { createBillingClient } from '../src/clients/billing.client.js';
import type { AuthDeps } from '../src/domain/deps.js';
import { createIdentitySigner, type ServiceApp } from '@orderflow/kit';


export interface AuthTestContext {
  app: ServiceApp;
  database: TestDatabase;
  billing: StubPeer;
  clock: { now: Date; advanceSeconds(seconds: number): void };
  /** Verifies the identity auth signs in its forward-auth answers. */
  identityPublicKey: KeyObject;
  deps: AuthDeps;
  close(): Promise<void>;
}

export interface AuthTestOptions {
  /** Billing somewhere else than the stub (one that never answers, say). */
  billingUrl?: string;
  billingTimeoutMs?: number;
  /** The app's own pool of this size, instead of the test database's. */
  poolSize?: number;
}

export const SESSION_POLICY = { idleSeconds: 1800, absoluteSeconds: 43200 };
export const THROTTLE_POLICY = { maxFailures: 5, windowSeconds: 900, blockSeconds: 60 };

/** The real auth app on its own migrated database, with billing stubbed at the HTTP boundary. */
export async function startAuth(options: AuthTestOptions = {}): Promise<AuthTestContext> {
  const database = await createTestDatabase(MIGRATIONS);
  const billing = await startStubPeer(() => ({ status: 200, body: { user_id: 1, balance: 0 } }));
  const billingPeer = createPeerClient({ name: 'billing', baseUrl: options.billingUrl ?? billing.url, internalToken: 'test-internal-token', retries: 0, timeoutMs: options.billingTimeoutMs ?? 500 });
  const pool = options.poolSize === undefined ? database.pool : createPool(database.url, { max: options.poolSize });
  const clock = {
    now: new Date('2026-01-01T00:00:00Z'),
    advanceSeconds(seconds: number) {
      clock.now = new Date(clock.now.getTime() + seconds * 1000);
    },
  };
  const identityKeys = generateKeyPairSync('ed25519');
  const deps: AuthDeps = {
    db: pool,
    billing: createBillingClient(billingPeer),
    now: () => clock.now,
    sessions: SESSION_POLICY,
    throttle: THROTTLE_POLICY,
  };
  const app = buildAuthApp({
    logLevel: false,
    identitySigner: createIdentitySigner(identityKeys.privateKey, 60),
    trustedProxies: ['127.0.0.1', '::1'],
    cookie: { secure: false, maxAgeSeconds: SESSION_POLICY.absoluteSeconds },
    deps,
  });
  await app.ready();
  return {
    app,
    database,
    billing,
    clock,
    identityPublicKey: identityKeys.publicKey,
    deps,
    async close() {
      await app.close();
      if (pool !== database.pool) await pool.end();
      await billingPeer.close();
      await billing.close();
      await database.drop();
    },
  };
}

export function newUser(overrides: Record<string, unknown> = {}) {
  const suffix = randomBytes(4).toString('hex');
  return { login: `user_${suffix}`, password: 'correct horse battery', email: `user_${suffix}@example.com`, first_name: 'Ада', last_name: 'Lovelace', ...overrides };
}

export async function registerAndLogIn(context: AuthTestContext, overrides: Record<string, unknown> = {}) {
  const user = newUser(overrides);
  const registered = await context.app.inject({ method: 'POST', url: '/register', payload: user });
  const login = await context.app.inject({ method: 'POST', url: '/login', payload: { login: user.login, password: user.password } });
  const cookie = login.cookies.find((c) => c.name === 'session_id');
  if (cookie === undefined) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  return { user, id: registered.json<{ id: number }>().id, token: cookie.value };
}

import { createPeerClient } from '@orderflow/http-client';
import { openDatabase } from '@orderflow/db';
import { createIdentitySigner, createMetricsRegistry, exitOnStartupError, readIdentityKey, runService } from '@orderflow/kit';
import { buildAuthApp } from './app.js';
import { verifyAgainstDummy } from './domain/passwords.js';
import { readAuthConfig } from './config.js';
import { createBillingClient } from './clients/billing.client.js';
import { startAccountOpening } from './domain/open-account.js';
import { MIGRATIONS } from './migrations.js';

exitOnStartupError('auth');
const config = readAuthConfig();
const db = await openDatabase('auth', config, MIGRATIONS);
const identitySigner = createIdentitySigner(readIdentityKey('private', config.IDENTITY_PRIVATE_KEY), config.IDENTITY_TOKEN_SECONDS);
// The first argon2 call loads the native module and sizes its memory, and the first signature sets
// up WebCrypto: pay both before the first login.
await verifyAgainstDummy('warm-up');
await identitySigner.sign({ userId: 1, login: 'warm-up', email: '', firstName: '', lastName: '' });
// One retry: a registration whose billing does not answer gets its 503 within about two timeouts.
const billingPeer = createPeerClient({ name: 'billing', baseUrl: config.BILLING_URL, internalToken: config.INTERNAL_TOKEN, timeoutMs: config.PEER_TIMEOUT_MS, retries: 1 });

const deps = {
  db,
  billing: createBillingClient(billingPeer),
  now: () => new Date(),
  sessions: { idleSeconds: config.SESSION_IDLE_SECONDS, absoluteSeconds: config.SESSION_ABSOLUTE_SECONDS },
  throttle: { maxFailures: config.LOGIN_MAX_FAILURES, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS, blockSeconds: config.LOGIN_BLOCK_SECONDS },
};
const app = buildAuthApp({
  logLevel: config.LOG_LEVEL,
  metricsRegistry: createMetricsRegistry({ app: 'auth', processMetrics: true }),
  cookie: { secure: config.COOKIE_SECURE, maxAgeSeconds: config.SESSION_ABSOLUTE_SECONDS },
  identitySigner,
  trustedProxies: config.TRUSTED_PROXIES.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''),
  deps,
});
const accountOpening = startAccountOpening(deps, { intervalMs: config.ACCOUNT_OPENING_INTERVAL_MS, log: app.log });

await runService(app, {
  host: config.HOST,
  port: config.PORT,
  socketPath: config.SOCKET_PATH,
  onClose: async () => {
    await accountOpening.stop();
    await billingPeer.close();
    await db.end();
  },
});

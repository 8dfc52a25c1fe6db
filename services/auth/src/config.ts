import { Type } from 'typebox';
import { peerTimeoutField, readConfig, serviceConfigFields } from '@orderflow/kit';

export const AuthConfigSchema = Type.Object({
  ...serviceConfigFields('auth', 8081),
  BILLING_URL: Type.String({ default: 'http://127.0.0.1:8082', description: 'Base URL of billing, which opens an account for each new user.' }),
  ...peerTimeoutField('billing (a billing that does not answer gets one retry, then the client a 503)'),
  ACCOUNT_OPENING_INTERVAL_MS: Type.Integer({ default: 5000, minimum: 100, description: 'How often the loop opens the billing accounts that registrations left unopened.' }),
  SESSION_IDLE_SECONDS: Type.Integer({ default: 1800, minimum: 60, description: 'A session unused this long expires.' }),
  SESSION_ABSOLUTE_SECONDS: Type.Integer({ default: 43200, minimum: 60, description: 'A session expires this long after login, however active.' }),
  IDENTITY_PRIVATE_KEY: Type.String({ minLength: 1, description: "Ed25519 private key (PEM, or its PKCS#8 DER in base64) that signs the identity in forward-auth answers; the services hold its public half." }),
  IDENTITY_TOKEN_SECONDS: Type.Integer({ default: 60, minimum: 35, maximum: 600, description: "How long a signed identity is valid; above the gateway's longest session cache (30 s)." }),
  TRUSTED_PROXIES: Type.String({ default: '127.0.0.1,::1', description: 'Comma-separated addresses or CIDR ranges of the edge, whose X-Forwarded-For names the client; in Kubernetes, the ingress controller pods.' }),
  COOKIE_SECURE: Type.Boolean({ default: false, description: 'Mark the session cookie Secure (on behind HTTPS, as in Kubernetes).' }),
  // Five misses in fifteen minutes block the login for one minute: slows guessing to a crawl while a
  // stranger can only hold a real user off for a minute at a time.
  LOGIN_MAX_FAILURES: Type.Integer({ default: 5, minimum: 1, description: 'Failed logins of one login from one client address, within LOGIN_FAILURE_WINDOW_SECONDS, that block it.' }),
  LOGIN_FAILURE_WINDOW_SECONDS: Type.Integer({ default: 900, minimum: 1, description: 'The window in which LOGIN_MAX_FAILURES failures are counted.' }),
  LOGIN_BLOCK_SECONDS: Type.Integer({ default: 60, minimum: 1, description: 'How long a blocked login is refused (429) before it may try again.' }),
});

export function readAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(AuthConfigSchema, env);
}

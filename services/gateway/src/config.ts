import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { listenerConfigFields, readConfig } from '@orderflow/kit';

const UpstreamList = (fallback: string, description: string) =>
  Type.String({ default: fallback, description: `${description} A comma-separated list spreads requests over replicas.` });

export const GatewayConfigSchema = Type.Object({
  ...listenerConfigFields(8080, 'Port to listen on: the one public port of the system.'),
  METRICS_PORT: Type.Integer({ default: 9080, description: "Port of the gateway's Prometheus /metrics, on HOST; kept off the public port." }),
  AUTH_URL: UpstreamList('http://127.0.0.1:8081', 'Base URL of auth: public auth routes and the forward-auth check.'),
  BILLING_URL: UpstreamList('http://127.0.0.1:8082', 'Base URL of billing.'),
  ORDER_URL: UpstreamList('http://127.0.0.1:8083', 'Base URL of order.'),
  NOTIFICATION_URL: UpstreamList('http://127.0.0.1:8084', 'Base URL of notification.'),
  SESSION_CACHE_MS: Type.Integer({ default: 5000, minimum: 0, maximum: 30000, description: "How long auth's answer for a session is reused; 0 asks auth on every request. Logout revokes at once." }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, description: 'How long to wait for an upstream answer.' }),
  HEADERS_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, description: "How long a client may take to send a request's headers before its connection is closed." }),
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 100, description: 'How long a client may take to send a whole request.' }),
  // argon2 makes each attempt cost ~25 ms of CPU: ten per ten seconds is plenty for a person, and a
  // flood from one address cannot take the CPU that other users' logins need.
  CREDENTIAL_RATE_LIMIT: Type.Integer({ default: 10, minimum: 1, description: 'POST /register and /login attempts one client address may make per window, together.' }),
  CREDENTIAL_RATE_WINDOW_MS: Type.Integer({ default: 10000, minimum: 1000, description: 'The window of CREDENTIAL_RATE_LIMIT.' }),
  // From dist/src/config.js up to the repository root.
  WEB_DIR: Type.String({ default: fileURLToPath(new URL('../../../../web/dist', import.meta.url)), description: 'The built storefront (`npm run build`), served at / and /assets/*.' }),
});

export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(GatewayConfigSchema, env);
}

export function splitUrls(list: string): string[] {
  return list.split(',').map((url) => url.trim().replace(/\/$/, '')).filter((url) => url.length > 0);
}

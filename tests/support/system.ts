import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { repoRoot, startSystem, type RunningSystem, type SystemOptions } from '@orderflow/stack';

/**
 * The whole system as real processes for an end-to-end test, on the test run's PostgreSQL with
 * databases of its own. Process logs go to test-output/logs/<prefix>/ for when a test fails.
 */
export async function bootTestSystem(options: Partial<SystemOptions> = {}): Promise<RunningSystem> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl === undefined) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`.');
  const prefix = `e2e_${randomBytes(4).toString('hex')}`;
  return startSystem({
    adminUrl,
    databasePrefix: prefix,
    internalToken: randomBytes(24).toString('base64url'),
    logLevel: 'info',
    logs: { dir: path.join(repoRoot, 'test-output', 'logs', prefix) },
    ...options,
    // The edge's per-address limit on sign-ups and logins would stop tests that make many users from
    // one address; the security suite boots with the real limit.
    serviceEnv: { ...options.serviceEnv, gateway: { CREDENTIAL_RATE_LIMIT: '100000', ...options.serviceEnv?.gateway } },
  });
}

/** A tiny API client that keeps the session cookie, as a browser or newman does. */
export function createApiClient(baseUrl: string) {
  let cookie: string | undefined;
  return {
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(cookie === undefined ? {} : { cookie }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const setCookie = response.headers.get('set-cookie');
      if (setCookie?.startsWith('session_id=')) cookie = setCookie.split(';')[0];
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text.length > 0 ? JSON.parse(text) : undefined };
    },
  };
}

export function randomLogin(): string {
  return `user_${randomBytes(5).toString('hex')}`;
}

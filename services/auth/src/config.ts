import { Type } from 'typebox';
import { readConfig, serviceConfigFields } from '@orderflow/kit';

export const AuthConfigSchema = Type.Object({
  ...serviceConfigFields('auth', 8081),
  BILLING_URL: Type.String({ default: 'http://127.0.0.1:8082', description: 'Base URL of billing, which opens an account for each new user.' }),
  SESSION_IDLE_SECONDS: Type.Integer({ default: 1800, minimum: 60, description: 'A session unused this long expires.' }),
  SESSION_ABSOLUTE_SECONDS: Type.Integer({ default: 43200, minimum: 60, description: 'A session expires this long after login, however active.' }),
  COOKIE_SECURE: Type.Boolean({ default: false, description: 'Mark the session cookie Secure (on behind HTTPS, as in Kubernetes).' }),
});

export function readAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(AuthConfigSchema, env);
}

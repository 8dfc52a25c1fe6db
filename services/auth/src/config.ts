import { Type } from 'typebox';
import { readConfig } from '@orderflow/kit';

export const AuthConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on.' }),
  PORT: Type.Integer({ default: 8081, description: 'Port to listen on.' }),
  DATABASE_URL: Type.String({ description: "PostgreSQL URL of auth's own database." }),
  BILLING_URL: Type.String({ default: 'http://127.0.0.1:8082', description: 'Base URL of billing, which opens an account for each new user.' }),
  INTERNAL_TOKEN: Type.String({ minLength: 16, description: 'Shared secret for /internal/* calls between services.' }),
  LOG_LEVEL: Type.String({ default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' }),
  DB_POOL_SIZE: Type.Integer({ default: 8, description: 'PostgreSQL connections of this process.' }),
  MIGRATE_ON_START: Type.Boolean({ default: false, description: 'Apply migrations before listening (Kubernetes runs them in an init container instead).' }),
  SESSION_IDLE_SECONDS: Type.Integer({ default: 1800, minimum: 60, description: 'A session unused this long expires.' }),
  SESSION_ABSOLUTE_SECONDS: Type.Integer({ default: 43200, minimum: 60, description: 'A session expires this long after login, however active.' }),
  COOKIE_SECURE: Type.Boolean({ default: false, description: 'Mark the session cookie Secure (on behind HTTPS, as in Kubernetes).' }),
});

export type AuthEnv = ReturnType<typeof readAuthConfig>;

export function readAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(AuthConfigSchema, env);
}

import { Type } from 'typebox';
import { readConfig } from '@orderflow/kit';

export const NotificationConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on.' }),
  PORT: Type.Integer({ default: 8084, description: 'Port to listen on.' }),
  DATABASE_URL: Type.String({ description: "PostgreSQL URL of notification's own database." }),
  INTERNAL_TOKEN: Type.String({ minLength: 16, description: 'Shared secret for /internal/* calls between services.' }),
  LOG_LEVEL: Type.String({ default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' }),
  DB_POOL_SIZE: Type.Integer({ default: 8, description: 'PostgreSQL connections of this process.' }),
  MIGRATE_ON_START: Type.Boolean({ default: false, description: 'Apply migrations before listening (Kubernetes runs them in an init container instead).' }),
});

export function readNotificationConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(NotificationConfigSchema, env);
}

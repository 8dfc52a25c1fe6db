import { Type } from 'typebox';
import { readConfig } from '@orderflow/kit';

export const OrderConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on.' }),
  PORT: Type.Integer({ default: 8083, description: 'Port to listen on.' }),
  DATABASE_URL: Type.String({ description: "PostgreSQL URL of order's own database." }),
  BILLING_URL: Type.String({ default: 'http://127.0.0.1:8082', description: 'Base URL of billing, which charges and refunds orders.' }),
  NOTIFICATION_URL: Type.String({ default: 'http://127.0.0.1:8084', description: 'Base URL of notification, which stores the letters.' }),
  INTERNAL_TOKEN: Type.String({ minLength: 16, description: 'Shared secret for /internal/* calls between services.' }),
  LOG_LEVEL: Type.String({ default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' }),
  DB_POOL_SIZE: Type.Integer({ default: 8, description: 'PostgreSQL connections of this process.' }),
  MIGRATE_ON_START: Type.Boolean({ default: false, description: 'Apply migrations before listening (Kubernetes runs them in an init container instead).' }),
  PEER_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 50, description: 'Timeout of one call to billing or notification.' }),
  WORKER_INTERVAL_MS: Type.Integer({ default: 1000, minimum: 50, description: 'How often the letter and recovery loops look for work.' }),
  RECOVERY_AFTER_MS: Type.Integer({ default: 5000, minimum: 100, description: 'A payment or refund unsettled this long is finished by the recovery loop.' }),
});

export function readOrderConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(OrderConfigSchema, env);
}

import { Type } from 'typebox';
import { identityKeyField, peerTimeoutField, readConfig, serviceConfigFields } from '@orderflow/kit';
import { DEFAULT_DELIVERED_MARK_DELAY_MS } from './store/delivered-marks.js';

export const OrderConfigSchema = Type.Object({
  ...identityKeyField,
  ...serviceConfigFields('order', 8083),
  BILLING_URL: Type.String({ default: 'http://127.0.0.1:8082', description: 'Base URL of billing, which charges and refunds orders.' }),
  NOTIFICATION_URL: Type.String({ default: 'http://127.0.0.1:8084', description: 'Base URL of notification, which stores the letters.' }),
  ...peerTimeoutField('billing or notification'),
  WORKER_INTERVAL_MS: Type.Integer({ default: 1000, minimum: 50, description: 'How often the letter and recovery loops look for work.' }),
  DELIVERED_MARK_DELAY_MS: Type.Integer({ default: DEFAULT_DELIVERED_MARK_DELAY_MS, minimum: 0, maximum: 1000, description: 'How long a delivered letter\'s outbox mark waits to share one UPDATE with the marks after it.' }),
  RECOVERY_AFTER_MS: Type.Integer({ default: 5000, minimum: 100, description: 'A payment or refund unsettled this long is finished by the recovery loop.' }),
});

export function readOrderConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(OrderConfigSchema, env);
}

import { Type } from 'typebox';
import { identityKeyField, readConfig, serviceConfigFields } from '@orderflow/kit';

export const NotificationConfigSchema = Type.Object({
  ...identityKeyField,
  ...serviceConfigFields('notification', 8084),
});

export function readNotificationConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(NotificationConfigSchema, env);
}

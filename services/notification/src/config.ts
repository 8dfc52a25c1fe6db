import { Type } from 'typebox';
import { readConfig, serviceConfigFields } from '@orderflow/kit';

export const NotificationConfigSchema = Type.Object({
  ...serviceConfigFields('notification', 8084),
});

export function readNotificationConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(NotificationConfigSchema, env);
}

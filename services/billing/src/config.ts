import { Type } from 'typebox';
import { identityKeyField, readConfig, serviceConfigFields } from '@orderflow/kit';

export const BillingConfigSchema = Type.Object({
  ...identityKeyField,
  ...serviceConfigFields('billing', 8082),
});

export function readBillingConfig(env: NodeJS.ProcessEnv = process.env) {
  return readConfig(BillingConfigSchema, env);
}

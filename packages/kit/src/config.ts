import { Value } from 'typebox/value';
import { Type, type TSchema, type Static } from 'typebox';

/**
 * Reads the environment once, in main, against a schema with a default and a description for every
 * variable. A failure names every missing or bad variable at once rather than the first one.
 */
export function readConfig<T extends TSchema>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const candidate = Value.Convert(schema, Value.Default(schema, { ...env }));
  const errors = [...Value.Errors(schema, candidate)];
  if (errors.length > 0) {
    const lines = errors.map((error) => `  ${error.instancePath.replace(/^\//, '') || '(root)'}: ${error.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Value.Clean(schema, candidate) as Static<T>;
}

/** The variable of every service that believes the identity auth signs (billing, order, notification). */
export const identityKeyField = {
  IDENTITY_PUBLIC_KEY: Type.String({ minLength: 1, description: "auth's Ed25519 public key (PEM, or its SPKI DER in base64): a request's caller is the one its X-Identity-Token signs." }),
};

/**
 * The variables every service with a database reads, with the same defaults and descriptions; a
 * service's schema spreads these and adds its own.
 */
export function serviceConfigFields(service: string, defaultPort: number) {
  return {
    HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on.' }),
    PORT: Type.Integer({ default: defaultPort, description: 'Port to listen on.' }),
    SOCKET_PATH: Type.String({ default: '', description: 'Also answer on this Unix domain socket, for callers on the same machine (`npm start` uses it); empty: TCP only.' }),
    DATABASE_URL: Type.String({ description: `PostgreSQL URL of ${service}'s own database.` }),
    INTERNAL_TOKEN: Type.String({ minLength: 16, description: 'Shared secret for /internal/* calls between services.' }),
    LOG_LEVEL: Type.String({ default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' }),
    DB_POOL_SIZE: Type.Integer({ default: 8, description: 'PostgreSQL connections of this process.' }),
    MIGRATE_ON_START: Type.Boolean({ default: false, description: 'Apply migrations before listening (Kubernetes runs them in an init container instead).' }),
  };
}

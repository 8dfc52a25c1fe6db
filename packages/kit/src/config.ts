import { Value } from 'typebox/value';
import { Type, type TSchema, type Static } from 'typebox';

/**
 * Reads the environment once, in main, against a schema with a default and a description for every
 * variable. A failure names every missing or bad variable at once rather than the first one.
 */
export function readConfig<T extends TSchema>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const candidate = Value.Convert(schema, Value.Default(schema, { ...env })) as Record<string, unknown>;
  const { properties, required = [] } = schema as unknown as { properties: Record<string, TSchema>; required?: string[] };
  // Each variable is checked alone: typebox buffers at most a few errors per check, and a choice
  // among words fails once per word, so one check of the whole would hide variables or repeat one.
  const lines: string[] = [];
  for (const [variable, property] of Object.entries(properties)) {
    const value = candidate[variable];
    if (value === undefined) {
      if (required.includes(variable)) lines.push(`  ${variable}: is required`);
    } else if (!Value.Check(property, value)) {
      const choices = (property as { anyOf?: { const?: unknown }[] }).anyOf?.map((choice) => choice.const);
      const message = choices !== undefined && choices.every((choice) => choice !== undefined) ? `must be one of ${choices.join(', ')}` : [...Value.Errors(property, value)][0]?.message;
      lines.push(`  ${variable}: ${message ?? 'is invalid'}`);
    }
  }
  if (lines.length > 0) throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  return Value.Clean(schema, candidate) as Static<T>;
}

/** The variable of every service that believes the identity auth signs (billing, order, notification). */
export const identityKeyField = {
  IDENTITY_PUBLIC_KEY: Type.String({ minLength: 1, description: "auth's Ed25519 public key (PEM, or its SPKI DER in base64): a request's caller is the one its X-Identity-Token signs." }),
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The log level of every process: the gateway's, each service's and `npm start`'s for them all. */
export const logLevelField = {
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info', description: `pino level: ${LOG_LEVELS.join(', ')}.` },
  ),
};

/** A TCP port; 0 lets the system pick one. */
export const portType = (options: { default?: number; description: string }) => Type.Integer({ minimum: 0, maximum: 65535, ...options });

/** The variables of every process that listens, the gateway and each service, with one default each. */
export function listenerConfigFields(defaultPort: number, portDescription = 'Port to listen on.') {
  return {
    HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on.' }),
    PORT: portType({ default: defaultPort, description: portDescription }),
    ...logLevelField,
  };
}

/**
 * A peer call here is a few milliseconds; two seconds means the peer is stuck, and the caller is
 * better served by a retry or a clear 503. The one default of every caller's PEER_TIMEOUT_MS.
 */
const DEFAULT_PEER_TIMEOUT_MS = 2_000;

/** The timeout of a service's calls to its peers. */
export function peerTimeoutField(peers: string) {
  return {
    PEER_TIMEOUT_MS: Type.Integer({ default: DEFAULT_PEER_TIMEOUT_MS, minimum: 50, description: `Timeout of one attempt of a call to ${peers}.` }),
  };
}

/** A service's database, read by its process and by its migrate entry. */
export function databaseUrlField(service: string) {
  return {
    DATABASE_URL: Type.String({ minLength: 1, description: `PostgreSQL URL of ${service}'s own database.` }),
  };
}

/**
 * The variables every service with a database reads, with the same defaults and descriptions; a
 * service's schema spreads these and adds its own.
 */
export function serviceConfigFields(service: string, defaultPort: number) {
  return {
    ...listenerConfigFields(defaultPort),
    SOCKET_PATH: Type.String({ default: '', description: 'Also answer on this Unix domain socket, for callers on the same machine (`npm start` uses it); empty: TCP only.' }),
    ...databaseUrlField(service),
    INTERNAL_TOKEN: Type.String({ minLength: 16, description: 'Shared secret for /internal/* calls between services.' }),
    // The machine has two cores shared by every service and PostgreSQL: a few connections per
    // process keep the database busy without queueing inside it.
    DB_POOL_SIZE: Type.Integer({ default: 8, minimum: 1, description: 'PostgreSQL connections of this process.' }),
    MIGRATE_ON_START: Type.Boolean({ default: false, description: 'Apply migrations before listening (Kubernetes runs them in an init container instead).' }),
  };
}

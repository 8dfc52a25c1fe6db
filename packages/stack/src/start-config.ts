import path from 'node:path';
import { Type } from 'typebox';
import { logLevelField, portType, readConfig } from '@orderflow/kit';
import { repoRoot } from './paths.js';
import { StartupError } from './startup-error.js';

const databaseUrlOf = (service: string) => Type.Optional(Type.String({ minLength: 1, description: `PostgreSQL URL of ${service}'s database, instead of one on DATABASE_URL's server.` }));

/** Every variable `npm start` reads (packages/stack/README.md documents them). */
export const StartConfigSchema = Type.Object({
  PORT: portType({ default: 8080, description: "The gateway's port; the services take the four after it." }),
  SERVICE_PORT_BASE: Type.Optional(portType({ description: 'The first of the four service ports (auth, billing, order, notification); PORT + 1 when unset.' })),
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1, description: 'A PostgreSQL server (admin URL) on which the four databases are created if missing; unset: an embedded server.' })),
  AUTH_DATABASE_URL: databaseUrlOf('auth'),
  BILLING_DATABASE_URL: databaseUrlOf('billing'),
  ORDER_DATABASE_URL: databaseUrlOf('order'),
  NOTIFICATION_DATABASE_URL: databaseUrlOf('notification'),
  EMBEDDED_PG_DATA_DIR: Type.String({ default: path.join(repoRoot, '.data', 'postgres'), description: "The embedded server's data folder." }),
  EMBEDDED_PG_PORT: Type.Optional(portType({ description: "The embedded server's exact port; unset: 54329 unless taken, then a free one, remembered beside the cluster." })),
  INTERNAL_TOKEN: Type.Optional(Type.String({ minLength: 16, description: 'The secret of /internal/* calls between the services; unset: a random one per start.' })),
  ...logLevelField,
  TRANSPORT: Type.Union([Type.Literal('unix'), Type.Literal('tcp')], { default: 'unix', description: 'unix: the processes reach each other over a Unix socket each; tcp: over their TCP ports, as in Kubernetes.' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ description: 'An OTLP/HTTP collector every process sends its traces to; unset: tracing off.' })),
});

/** The start's configuration, or a StartupError naming every bad variable. */
export function readStartConfig(env: NodeJS.ProcessEnv = process.env) {
  try {
    return readConfig(StartConfigSchema, env);
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
}

import type { KeyObject } from 'node:crypto';
import { readIdentityKey } from './identity.js';
import { createMetricsRegistry, type Registry } from './metrics.js';

/** The options of a service app that believes auth's signed identity (billing, order, notification). */
export interface ServiceOptions {
  /** Shared secret that callers of `/internal/*` routes present. */
  internalToken: string;
  /** auth's public key, which verifies the caller's signed identity. */
  identityPublicKey: KeyObject;
  /** `false` silences logs (tests); otherwise a pino level. */
  logLevel?: string | false;
  /** Served at /metrics; absent, the app gets one of its own, so a test can build as many as it likes. */
  metricsRegistry?: Registry;
}

/** Those options as a process reads them: its variables, and the registry of its process metrics. */
export function serviceOptionsOf(service: string, config: { INTERNAL_TOKEN: string; IDENTITY_PUBLIC_KEY: string; LOG_LEVEL: string }): Required<ServiceOptions> {
  return {
    internalToken: config.INTERNAL_TOKEN,
    identityPublicKey: readIdentityKey('public', config.IDENTITY_PUBLIC_KEY),
    logLevel: config.LOG_LEVEL,
    metricsRegistry: createMetricsRegistry({ app: service, processMetrics: true }),
  };
}

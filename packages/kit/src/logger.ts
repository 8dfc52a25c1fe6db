import type { FastifyServerOptions } from 'fastify';
import { currentTraceFields } from './spans.js';

/**
 * Structured JSON logs named after the service. Credentials never reach a log line: cookies,
 * authorization headers and every password field are redacted. With tracing on, each line also
 * carries the trace and span ids of the work it was written in (Fastify adds the request id).
 */
export function loggerOptions(name: string, level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    name,
    level,
    mixin: currentTraceFields,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.password',
        '*.session_id',
      ],
      censor: '[redacted]',
    },
  };
}

import type { FastifyServerOptions } from 'fastify';

/**
 * Structured JSON logs named after the service. Credentials never reach a log line: cookies,
 * authorization headers and every password field are redacted.
 */
export function loggerOptions(name: string, level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    name,
    level,
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

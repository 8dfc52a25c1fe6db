import { Problem } from './problem.js';

/**
 * Failures that say the database cannot be reached right now, not that a statement is wrong: the
 * connection was refused, reset or ended, the pool gave up connecting, or the server is shutting down,
 * crashing or starting (SQLSTATE 57P01-57P03, class 08). node-postgres reports them in these shapes.
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNREACHABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^timeout expired$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Query read timeout$/,
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, syscall, message, errors, cause } = error as { code?: unknown; syscall?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    // A Unix socket that is not there: the server is down (or not yet started).
    if (code === 'ENOENT' && syscall === 'connect') return true;
  }
  if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Connecting to "localhost" tries each address and fails with all of them.
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/** Seconds a client waits before retrying: a crashed PostgreSQL is usually back within a few. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

export function databaseUnavailable(cause: unknown): Problem {
  return new Problem({
    status: 503,
    code: 'database.unavailable',
    title: 'Service unavailable',
    detail: 'The database cannot be reached right now; try again shortly.',
    headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    cause,
  });
}

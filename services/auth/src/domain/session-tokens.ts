import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: the opaque `session_id` the client holds. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores instead of the token. */
export function hashSessionToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: string): boolean {
  return TOKEN.test(token);
}

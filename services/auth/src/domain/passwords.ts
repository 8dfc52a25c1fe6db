import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1), with a random salt per hash inside the PHC
 * string. @node-rs/argon2 hashes on libuv's thread pool, so a login never stalls the event loop.
 */
/** @node-rs/argon2's `Algorithm.Argon2id`, a const enum that isolated modules cannot import. */
const ARGON2ID_ALGORITHM = 2;
const ARGON2ID = { algorithm: ARGON2ID_ALGORITHM, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A login for an unknown user still verifies a hash of the same cost, so its timing does not reveal
 * which logins exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('not-a-real-password-used-only-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}

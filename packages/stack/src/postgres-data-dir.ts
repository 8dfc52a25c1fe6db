import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeSharedDir } from './postgres-binaries.js';
import { canExecute, type PostgresUser } from './postgres-user.js';
import { StartupError } from './startup-error.js';

/**
 * Where the cluster asked for at `requested` lives. PostgreSQL's user must be able to enter the
 * folder that holds it: as root that user is `postgres`, which cannot enter a checkout in a private
 * folder (`mktemp -d`, /root). Such a cluster lives under `sharedDir` instead, in a folder named by
 * a hash of the path asked for, so every start of that checkout finds the same one, and two
 * checkouts never share one. Once a cluster exists in one place it stays there.
 */
export async function placeDataDir(requested: string, user: PostgresUser | null, sharedDir: string): Promise<string> {
  const asked = path.resolve(requested);
  if (user === null) return asked;
  const kept = path.join(sharedDir, createHash('sha256').update(asked).digest('hex').slice(0, 16), 'data');
  if (isCluster(kept)) return kept;
  if (isCluster(asked) || (await canEnter(user, path.dirname(asked)))) return asked;
  try {
    await makeSharedDir(sharedDir);
    await makeSharedDir(path.dirname(kept));
  } catch (error) {
    throw new StartupError(
      `the ${user.name} user, which runs PostgreSQL, cannot enter ${path.dirname(asked)} (a folder on the way is private), and ${sharedDir} could not be made for its data instead ` +
        `(${(error as Error).message}). Clone into a folder others can enter, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
  return kept;
}

async function canEnter(user: PostgresUser, dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  return canExecute(user, dir);
}

export function isCluster(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}

/** What a start remembers beside the cluster, for the next start of the same data folder. */
export interface ClusterRecord {
  /** The port it last listened on: tried first next time, so the URL stays the same. */
  port: number;
  /** The data folder that was asked for, when the cluster lives elsewhere (see placeDataDir). */
  requested: string;
}

function recordPath(dataDir: string): string {
  return `${dataDir}.json`;
}

export async function readClusterRecord(dataDir: string): Promise<ClusterRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(dataDir), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

export async function writeClusterRecord(dataDir: string, record: ClusterRecord): Promise<void> {
  await writeFile(recordPath(dataDir), `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes a stopped cluster, its record and, when it lived under the shared folder, its folder there. */
export async function removeCluster(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await rm(recordPath(dataDir), { force: true });
  await rmdir(path.dirname(dataDir)).catch(() => {});
}

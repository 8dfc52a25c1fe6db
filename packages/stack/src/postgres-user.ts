import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';
import { StartupError } from './startup-error.js';

const run = promisify(execFile);

/** The account PostgreSQL's processes run as, when that is not the one running us. */
export interface PostgresUser {
  name: string;
  uid: number;
  gid: number;
}

const NAME = 'postgres';

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user, created here
 * if the machine has none (as in a fresh container). Anyone else runs it as themselves: null.
 */
export async function findPostgresUser(): Promise<PostgresUser | null> {
  if (process.getuid?.() !== 0) return null;
  const existing = await readIds(NAME);
  if (existing !== null) return existing;
  try {
    // groupadd exits 9 when the group exists (a user deleted without its group): useradd then joins it.
    await run('groupadd', ['--system', NAME]).catch((error: { code?: number }) => {
      if (error.code !== 9) throw error;
    });
    await run('useradd', ['--system', '--gid', NAME, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', NAME]);
  } catch (error) {
    throw new StartupError(
      `PostgreSQL refuses to run as root, and there is no "${NAME}" user to run it as, nor could one be created (${(error as Error).message.trim()}). ` +
        `Create one (useradd --system ${NAME}), run as another user, or set DATABASE_URL to a PostgreSQL server of yours.`,
    );
  }
  const created = await readIds(NAME);
  if (created === null) throw new StartupError(`the "${NAME}" user was created but \`id ${NAME}\` does not find it; set DATABASE_URL to a PostgreSQL server instead.`);
  return created;
}

async function readIds(name: string): Promise<PostgresUser | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

/**
 * Whether `user` may execute (or, for a folder, enter) `target`: asked of the kernel by running
 * `test -x` as that user, so every folder on the way, ACLs and mount options count as they will for
 * PostgreSQL. Null is the current user.
 */
export async function canExecute(user: PostgresUser | null, target: string): Promise<boolean> {
  if (user === null) return access(target, constants.X_OK).then(() => true, () => false);
  return new Promise((resolve) => {
    const child = spawn('test', ['-x', target], { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

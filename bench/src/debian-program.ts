import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const installing = new Map<string, Promise<boolean>>();

function isOnPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether `program ...args` runs and exits 0. */
async function runs(program: string, args: string[]): Promise<boolean> {
  try {
    await run(program, args);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a program from Debian's packages (strace, pgbench) can run: found on PATH, or installed
 * with apt-get when the bench runs as root where apt-get exists, as CI's `.ci/run` installs its own.
 * Otherwise false, after a note that says what to install; the figure it serves is then left out.
 * With `probe`, found means that `program ...probe` succeeds: Debian's pg_wrapper puts pgbench on
 * PATH with any PostgreSQL client package, and fails when the package that has it is missing.
 */
export function ensureDebianProgram(program: string, debianPackage: string, probe?: string[]): Promise<boolean> {
  let answer = installing.get(program);
  if (answer === undefined) installing.set(program, (answer = install(program, debianPackage, probe)));
  return answer;
}

async function install(program: string, debianPackage: string, probe: string[] | undefined): Promise<boolean> {
  const isThere = async () => isOnPath(program) && (probe === undefined || (await runs(program, probe)));
  if (await isThere()) return true;
  if (process.getuid?.() !== 0 || !isOnPath('apt-get')) {
    console.log(`Note: ${program} is missing (Debian package ${debianPackage}) and the bench cannot install it here (not root, or no apt-get): its figure is left out.`);
    return false;
  }
  console.log(`Installing ${debianPackage} from Debian's packages for ${program}`);
  try {
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    console.log(`Note: installing ${debianPackage} failed (${(error as Error).message.split('\n')[0]}): the ${program} figure is left out.`);
    return false;
  }
  return isThere();
}

import { runner } from 'node-pg-migrate';

/**
 * Applies a service's numbered plain-SQL migrations. node-pg-migrate takes an advisory lock, so two
 * replicas starting at once (or a Job and a replica) never apply the same migration twice. It records
 * each applied migration by name only, with no checksum: a comment fixed in an applied file changes
 * nothing, but a changed statement is never run again, so SQL changes go in a new migration.
 */
export async function migrate(databaseUrl: string, dir: string, log: (message: string) => void = () => {}): Promise<void> {
  await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    count: Infinity,
    log,
    checkOrder: true,
  });
}

/**
 * The body of each service's `migrate` entry point (run by Kubernetes before a new version serves):
 * applies the migrations in `dir` to DATABASE_URL and exits.
 */
export async function migrateFromEnvironment(dir: string): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === '') throw new Error('DATABASE_URL is not set.');
  await migrate(databaseUrl, dir, (message) => console.log(message));
}

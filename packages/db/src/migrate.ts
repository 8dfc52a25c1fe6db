import path from 'node:path';
import { runner } from 'node-pg-migrate';

export interface MigrateOptions {
  log?: (message: string) => void;
  /** Apply only the first `count` pending migrations (a test that needs the schema as it once was). */
  count?: number;
}

/**
 * Applies a database's numbered plain-SQL migrations, gathered from several folders and ordered by
 * name: a service's own, and those of a shared package whose tables live in the service's database
 * (packages/idempotency). node-pg-migrate takes an advisory lock, so two replicas starting at once (or
 * a Job and a replica) never apply the same migration twice. It records each applied migration by
 * name only, with no checksum: a comment fixed in an applied file changes nothing, but a changed
 * statement is never run again, so SQL changes go in a new migration.
 */
export async function migrate(databaseUrl: string, folders: readonly string[], options: MigrateOptions = {}): Promise<void> {
  await runner({
    databaseUrl,
    dir: folders.map((folder) => path.join(folder, '*.sql')),
    useGlob: true,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    count: options.count ?? Infinity,
    log: options.log ?? (() => {}),
    checkOrder: true,
  });
}

import { runner } from 'node-pg-migrate';

/**
 * Applies a service's numbered plain-SQL migrations. node-pg-migrate takes an advisory lock, so two
 * replicas starting at once (or a Job and a replica) never apply the same migration twice.
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

import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { withClient } from './client.js';

export interface MigrateOptions {
  log?: (message: string) => void;
  /** Apply only the first `count` pending migrations (a test that needs the schema as it once was). */
  count?: number;
}

/** Our own advisory lock's key (node-pg-migrate's is another): "orderflow migrate". */
const MIGRATION_LOCK = 0x6f_66_6d_67;

/**
 * Applies a database's numbered plain-SQL migrations, gathered from several folders and ordered by
 * name: a service's own, and those of a shared package whose tables live in the service's database
 * (packages/idempotency). It records each applied migration by name only, with no checksum: a
 * comment fixed in an applied file changes nothing, but a changed statement is never run again, so
 * SQL changes go in a new migration.
 *
 * Two runners at once (both replicas' init containers on a first deploy) take turns: node-pg-migrate's
 * own lock refuses the second ("Another migration is already running"), so each first waits for a
 * lock of ours, held on a session of its own, and the second then finds nothing to do.
 */
export async function migrate(databaseUrl: string, folders: readonly string[], options: MigrateOptions = {}): Promise<void> {
  await withClient(databaseUrl, async (lock) => {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
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
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}

import { withClient } from '@orderflow/db';

/**
 * A digest of every row of every table of a database (migrations bookkeeping aside): two equal
 * snapshots mean nothing was written in between.
 */
export async function snapshotDatabase(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`,
    );
    const snapshot: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ digest: string | null }>(`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest FROM ${name} t`);
      snapshot[name] = rows[0]?.digest ?? '';
    }
    return snapshot;
  });
}

export async function snapshotDatabases(urls: Record<string, string>): Promise<Record<string, Record<string, string>>> {
  const entries = await Promise.all(Object.entries(urls).map(async ([service, url]) => [service, await snapshotDatabase(url)] as const));
  return Object.fromEntries(entries);
}

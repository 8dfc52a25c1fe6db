import pg from 'pg';

/**
 * One connection of its own, outside any pool, for a tool or a test that asks a database a few
 * questions (creates a database, reads what a run left behind): connects, runs `work`, and always
 * ends the connection, also when `work` throws.
 */
export async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>, config: Omit<pg.ClientConfig, 'connectionString'> = {}): Promise<T> {
  const client = new pg.Client({ ...config, connectionString });
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Replaces the database name of a PostgreSQL URL. */
export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

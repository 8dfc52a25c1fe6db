import type pg from 'pg';
import type { FlowConnections } from '../order-flow-sql.js';

export type FlowDatabase = keyof FlowConnections;

/** One statement as a store sent it: what pgbench has to send again, and what came back. */
export interface RecordedStatement {
  database: FlowDatabase;
  text: string;
  /** As the store gave them to pg. */
  values: unknown[];
  /** The type PostgreSQL gave each parameter ($1 first), once read (readParameterTypes). */
  parameterTypes?: string[];
  /** Sent for many orders at once, by a batch the cycle only queues into (order's delivered marks). */
  isBatched: boolean;
  rowCount: number;
  /** The only row, when exactly one came back (what `\gset` can take), its columns as text. */
  row: Record<string, string> | null;
}

function onlyRow(rows: Record<string, unknown>[]): Record<string, string> | null {
  if (rows.length !== 1) return null;
  const columns = Object.entries(rows[0]!).filter(([, value]) => typeof value === 'string' || typeof value === 'number');
  return Object.fromEntries(columns.map(([name, value]) => [name, String(value)]));
}

/** Thrown instead of sending a statement past the log's limit. */
export class AbandonedCycle extends Error {}

/**
 * The client as the stores see it, writing down every statement sent through it. Statements are
 * logged when sent, so two run side by side keep their order of sending. Once `limit` are logged,
 * it sends no more.
 */
export function recordingClient(
  client: pg.Client,
  database: FlowDatabase,
  log: RecordedStatement[],
  { limit = Number.POSITIVE_INFINITY, isBatched = false }: { limit?: number; isBatched?: boolean } = {},
): pg.Client {
  const query = async (config: string | pg.QueryConfig, values?: unknown[]) => {
    if (log.length >= limit) throw new AbandonedCycle(`abandoned after ${limit} statements`);
    const text = typeof config === 'string' ? config : config.text;
    const params = (typeof config === 'string' ? values : (config.values ?? values)) ?? [];
    const entry: RecordedStatement = { database, text, values: params, rowCount: 0, row: null, isBatched };
    log.push(entry);
    const result = await client.query(config as pg.QueryConfig, values);
    entry.rowCount = result.rowCount ?? result.rows.length;
    entry.row = onlyRow(result.rows);
    return result;
  };
  return new Proxy(client, {
    get: (target, property) => {
      if (property === 'query') return query;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The types PostgreSQL infers for a statement's parameters, as it did when the store sent it: a
 * PREPARE of the same text on the same database, read back from pg_prepared_statements.
 */
export async function readParameterTypes(client: pg.Client, text: string): Promise<string[]> {
  if (!/\$\d/.test(text)) return [];
  await client.query(`PREPARE orderflow_pgbench_probe AS ${text}`);
  try {
    const { rows } = await client.query<{ types: string[] }>("SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'orderflow_pgbench_probe'");
    return rows[0]!.types;
  } finally {
    await client.query('DEALLOCATE orderflow_pgbench_probe');
  }
}

import type pg from 'pg';

/** One statement's cost over a phase, from pg_stat_statements. */
export interface StatementCost {
  database: string;
  query: string;
  calls: number;
  meanMs: number;
  /** Share of the execution time of all the system's statements in the phase. */
  share: number;
}

/**
 * Starts counting statements afresh. The embedded server preloads pg_stat_statements; on another
 * server it may be missing, and the report then says so instead of failing the run.
 */
export async function resetStatementStats(admin: pg.Client): Promise<boolean> {
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}

/** The costliest statements the system's databases ran since the reset. */
export async function readTopStatements(admin: pg.Client, databases: string[], limit = 10): Promise<StatementCost[]> {
  const { rows } = await admin.query<{ database: string; query: string; calls: string; mean_ms: number; share: number }>(
    `SELECT d.datname AS database,
            regexp_replace(s.query, '\\s+', ' ', 'g') AS query,
            s.calls,
            s.mean_exec_time AS mean_ms,
            s.total_exec_time / nullif(sum(s.total_exec_time) OVER (), 0) AS share
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = ANY($1)
      ORDER BY s.total_exec_time DESC
      LIMIT $2`,
    [databases, limit],
  );
  return rows.map((row) => ({ database: row.database, query: row.query, calls: Number(row.calls), meanMs: row.mean_ms, share: row.share ?? 0 }));
}

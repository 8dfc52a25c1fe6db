import pg from 'pg';
import { createCorkingSocket } from './corking-socket.js';
import { migrate } from './migrate.js';
import { parseBigint } from './bigint.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'>;

export interface PoolOptions {
  /** Connections per process: a service's DB_POOL_SIZE (see serviceConfigFields in @orderflow/kit). */
  max: number;
  applicationName?: string;
}

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 10_000;
/** Readiness answers within this even when the database hangs (Kubernetes' probe timeout is 1 s by default). */
const READINESS_TIMEOUT_MS = 900;

/**
 * Every `bigint` column (ids, amounts in minor units) arrives as a JavaScript number, and one that
 * would lose precision fails the query: a store's rows need no conversion of their own.
 */
const BIGINT_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? parseBigint : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export function createPool(connectionString: string, options: PoolOptions): Pool {
  const { max } = options;
  const pool = new pg.Pool({
    connectionString,
    max,
    // Connections opened by warmPool stay open: a service idle for a while must not pay the TCP and
    // SCRAM handshakes again on its next requests.
    min: max,
    application_name: options.applicationName,
    types: BIGINT_AS_NUMBER,
    idleTimeoutMillis: 30_000,
    // Waiting for a connection (a free one, or a new one to a database that hangs) fails after this
    // and the request answers 503 (kit's databaseUnavailable); a refused connection fails at once.
    // Not shorter: on a loaded machine a new connection's fork and SCRAM handshake take seconds, and a
    // timeout below that would keep a starting service from ever connecting.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A statement that runs this long is a bug or a lock pile-up; fail it instead of holding a connection.
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // A server that hangs cannot enforce statement_timeout: the client gives up a little later itself.
    query_timeout: STATEMENT_TIMEOUT_MS + 2_000,
    // One system call per query instead of four (see corking-socket.ts). Not for TLS connections,
    // where node-postgres wraps its own socket.
    ...(isTls(connectionString) ? {} : { stream: createCorkingSocket }),
  });
  // An idle client can lose its server (database restart); log-and-drop instead of crashing the process.
  pool.on('error', () => {});
  // A client in use that loses its server (a crash mid-transaction) emits 'error' too, and pg-pool
  // listens only while it is idle: unheard, it would end the process. The query in flight fails
  // with the same error, and the request answers 503; that is all it needs.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

function isTls(connectionString: string): boolean {
  const sslmode = new URL(connectionString).searchParams.get('sslmode');
  return sslmode !== null && sslmode !== 'disable';
}

/** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Opens every connection of the pool before the service listens, so the first requests after a start
 * (the seed's newman run is the first thing a user does) pay for no handshake. Best effort: with the
 * database down the service still starts, reports not ready, and connects when it can.
 */
export async function warmPool(pool: Pool, size: number): Promise<void> {
  const clients = await Promise.allSettled(Array.from({ length: size }, () => pool.connect()));
  for (const client of clients) if (client.status === 'fulfilled') client.value.release();
}

/** Whether a `SELECT 1` answers in time; false, never a throw, when the database is down or hangs. */
export async function isDatabaseReachable(pool: Pool): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS)));
  const answered = pool.query('SELECT 1').then(() => true, () => false);
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** PostgreSQL's SQLSTATE for a unique-key violation. */
export const UNIQUE_VIOLATION = '23505';
/** PostgreSQL's SQLSTATE for a row referring to a missing one. */
export const FOREIGN_KEY_VIOLATION = '23503';

export function hasSqlState(error: unknown, state: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === state;
}

/** The variables of kit's serviceConfigFields that open a service's database. */
interface DatabaseConfig {
  DATABASE_URL: string;
  DB_POOL_SIZE: number;
  MIGRATE_ON_START: boolean;
}

/**
 * The process's database: migrated first when MIGRATE_ON_START, then its pool, every connection
 * opened before the service listens so the first requests do not pay for them.
 */
export async function openDatabase(service: string, config: DatabaseConfig, migrations: readonly string[]): Promise<Pool> {
  if (config.MIGRATE_ON_START) await migrate(config.DATABASE_URL, migrations);
  const db = createPool(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: service });
  await warmPool(db, config.DB_POOL_SIZE);
  return db;
}

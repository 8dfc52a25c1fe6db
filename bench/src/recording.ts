import type { ServiceName } from '@orderflow/stack';
import type { BenchUser, GatewayClient } from './client.js';
import type { SystemUnderTest } from './system-under-test.js';

/** A statement as PostgreSQL logged it (log_statement = all): its database, text and parameters. */
export interface LoggedStatement {
  database: string;
  text: string;
  parameters: (string | null)[];
}

export interface RecordedCycle {
  user: BenchUser;
  orderId: number;
  statements: LoggedStatement[];
}

const MARKER = "SELECT 'orderflow-bench: next cycle'";

/**
 * Turns the log's lines into statements. With the prefix `@@<database>@@ `, an entry is a prefixed
 * line and the tab-indented lines after it; a `DETAIL:  Parameters: $1 = '…', $2 = NULL` entry
 * belongs to the statement before it in the same database.
 */
export function parseLog(lines: string[]): LoggedStatement[] {
  const entries: { database: string; message: string }[] = [];
  for (const line of lines) {
    const prefixed = /^@@([^@]*)@@ (\w+): {2}([\s\S]*)$/.exec(line);
    if (prefixed !== null) entries.push({ database: prefixed[1]!, message: `${prefixed[2]}: ${prefixed[3]}` });
    else if (line.startsWith('\t') && entries.length > 0) entries.at(-1)!.message += `\n${line.slice(1)}`;
  }
  const statements: LoggedStatement[] = [];
  const last = new Map<string, LoggedStatement>();
  for (const { database, message } of entries) {
    const statement = /^LOG: (?:execute [^:]*|statement): ([\s\S]*)$/.exec(message);
    if (statement !== null) {
      const logged = { database, text: statement[1]!, parameters: [] };
      statements.push(logged);
      last.set(database, logged);
    } else if (message.startsWith('DETAIL: Parameters: ') && last.has(database)) {
      for (const [, , value] of message.matchAll(/\$(\d+) = (NULL|'((?:[^']|'')*)')/g)) {
        last.get(database)!.parameters.push(value === 'NULL' ? null : value!.slice(1, -1).replaceAll("''", "'"));
      }
    }
  }
  return statements;
}

/**
 * Records what the services send for whole cycles: two users take turns (so a user's id tells
 * itself from a constant), with a marker statement between cycles. Run at idle, one at a time, so a
 * cycle's statements are the ones between its markers.
 */
export async function recordCycles(sut: SystemUnderTest, client: GatewayClient, users: [BenchUser, BenchUser], cyclesPerUser: number): Promise<Map<ServiceName, RecordedCycle[]>> {
  const orders: { user: BenchUser; orderId: number }[] = [];
  let lines: string[] = [];
  try {
    await sut.startRecording();
    for (let i = 0; i < 2 * cyclesPerUser; i++) {
      await sut.logMarker(MARKER);
      const user = users[i % 2]!;
      const cycle = await client.runCycle(user);
      if (cycle.outcome !== 'paid') throw new Error(`a recorded cycle did not pay: ${cycle.error ?? cycle.outcome}`);
      orders.push({ user, orderId: cycle.order!.id });
    }
    await sut.logMarker(MARKER);
  } finally {
    lines = await sut.stopRecording();
  }
  const statements = parseLog(lines);
  const byService = new Map<ServiceName, RecordedCycle[]>();
  for (const [service, database] of Object.entries(sut.databaseNames) as [ServiceName, string][]) {
    const cycles: RecordedCycle[] = orders.map((order) => ({ ...order, statements: [] }));
    let index = -1;
    for (const statement of statements) {
      if (statement.database === 'postgres' && statement.text === MARKER) index++;
      else if (statement.database === database && index >= 0 && index < cycles.length) cycles[index]!.statements.push(statement);
    }
    byService.set(service, cycles);
  }
  return byService;
}

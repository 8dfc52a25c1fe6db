import type { FlowDatabase, RecordedStatement } from './recorded-statement.js';
import { asText, countTransactions, sqlLiteral, substituteParameters } from './script-text.js';

/** Statements of one database as a pgbench custom script, with the `-D` variables it needs. */
export interface DatabaseScript {
  database: FlowDatabase;
  /** Statements the system shares among orders (order's delivered marks), rather than a database's share of one order. */
  isBatched: boolean;
  /** Paid orders one run serves: 1 for a database's share of one; the batch (which may be 1 too) for batched statements. */
  ordersPerRun: number;
  script: string;
  /** `-D name=value`: the constants, the first client's user and the bases of the per-iteration ids. */
  variables: Record<string, string>;
  statements: number;
  /** What one run of the script commits: an autocommitted statement is one, a BEGIN … COMMIT block one. */
  transactions: number;
}

/** Raised when equal values could come from different places: another recording may tell them apart. */
export class AmbiguousRecordingError extends Error {}

interface IdSource {
  index: number;
  database: FlowDatabase;
  /** The statement's `\gset` prefix and column: together, the variable's name. */
  variable: string;
  column: string;
  value: string;
}

const isIdColumn = (column: string) => column === 'id' || column.endsWith('_id');

/**
 * Turns the statements of one recorded paid order into one pgbench script per database, and one
 * per database for the statements the system batches. Every parameter becomes a variable: the
 * recording user's id the client's own user (`first_user_id + client_id`); an id an earlier
 * statement of the same database returned, that statement's `\gset` variable; an id returned in
 * another database (out of pgbench's reach), a fresh one per iteration (`base + iteration ×
 * clients + client_id`: unique, and ascending as the sequence's are); a string with such an id in
 * it, the SQL expression that builds it; null, NULL (pgbench binds no null); anything else, a
 * constant given with -D. A batched statement's array of ids becomes `batchSize` ids in a row per
 * run, above the one recorded: those the share's own runs created, each taken once.
 */
export function writePgbenchScripts(recorded: RecordedStatement[], options: { userId: number; firstUserId: number; clients: number; batchSize: number }): DatabaseScript[] {
  const counts = new Map<FlowDatabase, number>();
  const prefixes = recorded.map(({ database }) => {
    counts.set(database, (counts.get(database) ?? 0) + 1);
    return `${database}${counts.get(database)}_`;
  });
  const sources: IdSource[] = recorded.flatMap(({ database, row }, index) =>
    Object.entries(row ?? {})
      .filter(([column, value]) => isIdColumn(column) && /^\d+$/.test(value))
      .map(([column, value]) => ({ index, database, variable: `${prefixes[index]}${column}`, column, value })),
  );
  const userId = String(options.userId);
  const keyOf = (index: number) => `${recorded[index]!.database}${recorded[index]!.isBatched ? ' batch' : ''}`;
  const gsetOf = new Set<number>();
  /** By script: the variables it sets itself, with the recorded value they count up from. */
  const countedOf = new Map<string, Map<string, string>>();
  const usersOf = new Set<string>();
  const count = (index: number, variable: string, base: string) => countedOf.set(keyOf(index), (countedOf.get(keyOf(index)) ?? new Map<string, string>()).set(variable, base));

  /** The earlier statement of the same database that returned this id (equal ids of two columns are ambiguous). */
  const sameDatabaseSource = (value: string, index: number): IdSource | undefined => {
    const same = sources.filter((source) => source.index < index && source.value === value && source.database === recorded[index]!.database);
    if (new Set(same.map((source) => source.column)).size > 1) {
      throw new AmbiguousRecordingError(`${value} is ${same.map((source) => source.variable).join(' and ')}`);
    }
    return same[0];
  };

  /** The variable an id used by statement `index` comes from, if an earlier statement returned it. */
  const idVariable = (value: string, index: number): string | undefined => {
    const same = sameDatabaseSource(value, index);
    if (same !== undefined) {
      gsetOf.add(same.index);
      return same.variable;
    }
    const origin = sources.find((source) => source.index < index && source.value === value);
    if (origin !== undefined) count(index, origin.variable, origin.value);
    return origin?.variable;
  };

  /** A batch's ids: `batchSize` of them per run, counted up from the recorded one. */
  const batchOfIds = (ids: unknown[], index: number): string => {
    const [source, ...others] = ids.map((id) => sameDatabaseSource(String(id), index));
    if (source === undefined || others.some((other) => other?.variable !== source.variable)) throw new Error(`a batch of ids not returned by one earlier statement: ${String(ids)}`);
    count(index, source.variable, source.value);
    return `ARRAY[${Array.from({ length: options.batchSize }, (_, i) => `:${source.variable}_${i + 1}`).join(', ')}]`;
  };

  /** What pgbench sends for a parameter: a variable, an expression of variables, or NULL. */
  const resolve = (given: unknown, index: number, position: number): string => {
    if (Array.isArray(given) && recorded[index]!.isBatched) return batchOfIds(given, index);
    const value = asText(given);
    if (value === null) return 'NULL';
    if (value === userId) {
      const clash = sources.find((source) => source.index < index && source.value === value && source.column !== 'user_id');
      if (clash !== undefined) throw new AmbiguousRecordingError(`the user's id ${value} is ${clash.variable} too`);
      usersOf.add(keyOf(index));
      return ':user_id';
    }
    const id = idVariable(value, index);
    if (id !== undefined) return `:${id}`;
    const parts: string[] = [];
    let literal = '';
    for (const [i, piece] of value.split(/(\d+)/).entries()) {
      const variable = i % 2 === 1 ? idVariable(piece, index) : undefined;
      if (variable === undefined) {
        literal += piece;
        continue;
      }
      if (literal !== '') parts.push(sqlLiteral(literal));
      parts.push(`:${variable}::text`);
      literal = '';
    }
    if (parts.length > 0) return `(${[...parts, ...(literal === '' ? [] : [sqlLiteral(literal)])].join(' || ')})`;
    const name = `${prefixes[index]}p${position}`;
    constants[name] = value;
    return `:${name}`;
  };

  const constants: Record<string, string> = {};
  const commands = recorded.map((statement, index) =>
    substituteParameters(
      statement.text,
      statement.values.map((value, i) => resolve(value, index, i + 1)),
      statement.parameterTypes,
    ),
  );

  const scriptOf = (database: FlowDatabase, isBatched: boolean): DatabaseScript[] => {
    const indexes = recorded.flatMap((statement, index) => (statement.database === database && statement.isBatched === isBatched ? [index] : []));
    if (indexes.length === 0) return [];
    const key = keyOf(indexes[0]!);
    const ordersPerRun = isBatched ? options.batchSize : 1;
    const variables: Record<string, string> = Object.fromEntries(indexes.flatMap((index) => Object.entries(constants).filter(([name]) => name.startsWith(prefixes[index]!))));
    const header = [
      isBatched
        ? `-- ${database}'s statements that the system batches, for ${ordersPerRun} paid orders a run, as the services' stores sent them`
        : `-- ${database}'s share of one paid order: the statements the services' stores sent, in their order`,
    ];
    if (usersOf.has(key)) {
      header.push('\\set user_id :first_user_id + :client_id');
      variables.first_user_id = String(options.firstUserId);
    }
    const counted = countedOf.get(key) ?? new Map<string, string>();
    if (counted.size > 0) {
      header.push('\\set iteration :iteration + 1');
      Object.assign(variables, { iteration: '0', clients: String(options.clients) });
    }
    for (const [name, base] of counted) {
      variables[`${name}_base`] = base;
      if (!isBatched) {
        header.push(`\\set ${name} :${name}_base + :iteration * :clients + :client_id`);
        continue;
      }
      header.push(`\\set ${name}_first :${name}_base + 1 + ((:iteration - 1) * :clients + :client_id) * ${ordersPerRun}`);
      for (let i = 1; i <= ordersPerRun; i++) header.push(`\\set ${name}_${i} :${name}_first + ${i - 1}`);
    }
    const body = indexes.map((index) => `${commands[index]}${gsetOf.has(index) ? ` \\gset ${prefixes[index]}` : ';'}`);
    const texts = indexes.map((index) => recorded[index]!.text);
    return [{ database, isBatched, ordersPerRun, script: [...header, ...body, ''].join('\n'), variables, statements: indexes.length, transactions: countTransactions(texts) }];
  };

  const databases = [...counts.keys()];
  return [...databases.flatMap((database) => scriptOf(database, false)), ...databases.flatMap((database) => scriptOf(database, true))];
}

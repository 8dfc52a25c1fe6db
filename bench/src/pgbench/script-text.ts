/** pgbench reads `:name` anywhere in a command as a variable, even inside a literal (`::` is a cast). */
export const PGBENCH_VARIABLE = /(?<!:):[A-Za-z0-9_]/;
const TRANSACTION_START = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;
const TRANSACTION_END = /^\s*(COMMIT|END|ROLLBACK)\b/i;

/** pg sends these as their text; anything else (Buffer, Date, objects) pgbench could not send alike. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new Error(`a parameter pgbench cannot send as pg does: ${Object.prototype.toString.call(value)}`);
}

export function sqlLiteral(text: string): string {
  if (PGBENCH_VARIABLE.test(text)) throw new Error(`pgbench would read a variable in the literal ${JSON.stringify(text)}`);
  return `'${text.replaceAll("'", "''")}'`;
}

/** What a run of these statements commits: an autocommitted statement is one, a BEGIN … COMMIT block one. */
export function countTransactions(texts: string[]): number {
  let transactions = 0;
  let isOpen = false;
  for (const text of texts) {
    if (TRANSACTION_START.test(text)) {
      isOpen = true;
    } else if (TRANSACTION_END.test(text)) {
      isOpen = false;
      transactions++;
    } else if (!isOpen) {
      transactions++;
    }
  }
  return transactions;
}

/**
 * The statement's text with each `$n` replaced by what pgbench sends for it, typed as PostgreSQL
 * typed the original's parameter (`::type`, unless the original casts it already): pgbench makes
 * every occurrence of a variable a parameter of its own, and a lone `-$3` would have no type to
 * take. A cast of a parameter only sets its type, so PostgreSQL plans the same statement.
 */
export function substituteParameters(text: string, values: string[], types: string[] | undefined): string {
  if (PGBENCH_VARIABLE.test(text)) throw new Error(`pgbench would read a variable in ${text}`);
  return text
    .replace(/\$(\d+)(?!\d)(?!::)/g, (_, n: string) => {
      const type = types?.[Number(n) - 1];
      if (type === undefined) throw new Error(`no type read for $${n} of ${text}`);
      return `${values[Number(n) - 1]}::${type}`;
    })
    .replace(/\$(\d+)(?!\d)/g, (_, n: string) => values[Number(n) - 1]!);
}

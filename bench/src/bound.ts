import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { ServiceName } from '@orderflow/stack';
import type { LoggedStatement, RecordedCycle } from './recording.js';
import type { SystemUnderTest } from './system-under-test.js';

const run = promisify(execFile);

export interface PgbenchScript {
  service: ServiceName;
  text: string;
  /** Values that are the same for every order of a user, given to pgbench with -D. */
  constants: Record<string, string>;
  statements: number;
  /** Statements that insert, update or delete. */
  writingStatements: number;
  /** Statements per recorded cycle left out: batched marks, the gateway's 5 s session lookups, the delivery loop. */
  leftOutPerCycle: number;
}

export type BoundResult = Awaited<ReturnType<typeof runBound>>;

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const signature = (cycle: RecordedCycle) => cycle.statements.map((s) => s.text).join('\0');

/** The types PostgreSQL infers for a statement's parameters, as it does for the services' untyped ones. */
async function parameterTypes(db: pg.Client, text: string): Promise<string[]> {
  await db.query(`PREPARE bench_types AS ${text}`);
  const { rows } = await db.query<{ types: string[] }>("SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'bench_types'");
  await db.query('DEALLOCATE bench_types');
  return rows[0]!.types;
}

/**
 * A pgbench script of one database's share of a paid order, from the recorded cycles' statements.
 * Each parameter becomes: the client's user (`:uid`) where it is the recording user's id; the order's
 * id where it is that, `:ord_id` from the order's INSERT … RETURNING in the database that creates it
 * and a fresh ascending id per run elsewhere; a string around the order's id, built by the server;
 * NULL; or a constant, when it is the same for two orders of the same user. Anything else fails.
 */
export async function writeScript(service: ServiceName, recorded: RecordedCycle[], databaseUrl: string): Promise<PgbenchScript> {
  // A paid order's statements are the ones every cycle sent. Left out: those of some cycles only (the
  // gateway's session lookups, the delivery loop) and batches, whose array parameter serves several orders.
  const isEveryCycles = (text: string) => recorded.every((c) => c.statements.some((s) => s.text === text));
  const isBatch = (s: LoggedStatement) => s.parameters.some((p) => p?.startsWith('{') === true);
  const cycles = recorded.map((c) => ({ ...c, statements: c.statements.filter((s) => isEveryCycles(s.text) && !isBatch(s)) }));
  const [a, a2] = cycles.filter((c) => c.user === cycles[0]!.user);
  const b = cycles.find((c) => c.user !== cycles[0]!.user);
  if (a === undefined || a2 === undefined || b === undefined || cycles.some((c) => signature(c) !== signature(a))) {
    throw new Error(`${service}: the recorded cycles sent different statements: ${cycles.map((c) => c.statements.map((s) => s.text.split('\n')[0]).join(' · ')).join(' | ')}`);
  }
  const leftOutPerCycle = recorded.reduce((sum, c) => sum + c.statements.length, 0) / recorded.length - a.statements.length;
  const writingStatements = a.statements.filter((s) => /\b(INSERT|UPDATE|DELETE)\b/i.test(s.text)).length;
  if (a.statements.length === 0) return { service, text: '', constants: {}, statements: 0, writingStatements, leftOutPerCycle };
  // The id as a whole value or word ("order-12-order.processing"), never a run of digits inside another
  // value: a small id such as 25 also stands in an e-mail's or a key's random letters and digits.
  const orderIdAlone = new RegExp(`(?<![0-9A-Za-z])${a.orderId}(?![0-9A-Za-z])`);
  const usesOrder = (s: LoggedStatement) => s.parameters.some((p) => p !== null && orderIdAlone.test(p));
  const firstUse = a.statements.findIndex(usesOrder);
  const creator = a.statements.findLastIndex((s, i) => (firstUse < 0 || i < firstUse) && /^\s*INSERT\b[\s\S]*\bRETURNING\b/i.test(s.text));
  const orderVar = creator >= 0 && firstUse >= 0 ? ':ord_id' : ':oid';
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const constants: Record<string, string> = {};
  const lines = ['\\set uid :uid_base + :client_id', '\\set oid :oid_base + :n * :clients + :client_id', '\\set n :n + 1'];
  try {
    for (const [j, statement] of a.statements.entries()) {
      const types = await parameterTypes(db, statement.text);
      const around = (value: string, id: number) => value.split(new RegExp(`(?<!\\d)${id}(?!\\d)`));
      const expression = (n: number): string => {
        const [va, va2, vb, type] = [statement.parameters[n - 1], a2.statements[j]!.parameters[n - 1], b.statements[j]!.parameters[n - 1], types[n - 1]];
        if (va === null || va === undefined) return `NULL::${type}`;
        if (va === String(a.orderId) && va2 === String(a2.orderId)) return `${orderVar}::${type}`;
        if (va === String(a.user.userId) && vb === String(b.user.userId)) return `:uid::${type}`;
        if (va === va2) return ((constants[`c${j}_${n}`] = va), `:c${j}_${n}::${type}`);
        const parts = around(va, a.orderId);
        if (parts.length > 1 && va2 === parts.join(String(a2.orderId))) return `(${parts.map(literal).join(` || ${orderVar}::text || `)})::${type}`;
        throw new Error(`${service}: parameter $${n} of "${statement.text.split('\n')[0]}" changes from order to order and is not the order's id`);
      };
      const sql = statement.text.replace(/\$(\d+)/g, (_, n: string) => expression(Number(n)));
      lines.push(j === creator && orderVar === ':ord_id' ? `${sql} \\gset ord_` : `${sql};`);
    }
  } finally {
    await db.end();
  }
  return { service, text: `${lines.join('\n')}\n`, constants, statements: a.statements.length, writingStatements, leftOutPerCycle };
}

/** One database's share alone for a while: its runs per second and PostgreSQL's CPU, commits and rows written per run. */
async function runShare(sut: SystemUnderTest, script: PgbenchScript, ids: number[], options: { threads: number; secondsPerDatabase: number; scriptDir: string }) {
  const file = path.join(options.scriptDir, `${script.service}.pgbench.sql`);
  await writeFile(file, script.text);
  const defines = { ...script.constants, uid_base: String(ids[0]), oid_base: '1000000000', n: '0', clients: String(ids.length) };
  const args = ['-n', '-M', 'prepared', '-c', String(ids.length), '-j', String(options.threads), '-T', String(options.secondsPerDatabase), '-f', file];
  for (const [name, value] of Object.entries(defines)) args.push('-D', `${name}=${value}`);
  const close = await sut.openWindow();
  const { stdout } = await run('pgbench', [...args, sut.system.databaseUrls[script.service]], { maxBuffer: 1 << 24 });
  const window = await close();
  const runs = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  if (!(runs > 0 && tps > 0)) throw new Error(`pgbench on ${script.service} ran nothing:\n${stdout}`);
  // Each writing statement of a paid order wrote a row or more in the system; a replay that writes fewer misses the services' rows.
  const { writingStatements } = script;
  if (window.rowsWritten < 0.99 * writingStatements * runs) throw new Error(`the replay of ${script.service} wrote ${(window.rowsWritten / runs).toFixed(2)} rows a run with ${writingStatements} writing statements: it misses the rows the services write`);
  return { service: script.service, statements: script.statements, tps, runs, postgresCpuMsPerRun: window.cpuMs.postgres! / runs, commitsPerRun: window.commits / runs, rowsWrittenPerRun: window.rowsWritten / runs, writingStatements, machineBusyPercent: window.machineBusyPercent };
}

/**
 * Each database's share alone with `pgbench -n -M prepared`, one client per user (the users' ids
 * are consecutive), then the shares added up as the times of one paid order on the server.
 */
export async function runBound(sut: SystemUnderTest, scripts: PgbenchScript[], options: { userIds: number[]; threads: number; secondsPerDatabase: number; scriptDir: string }) {
  const ids = [...options.userIds].sort((x, y) => x - y);
  if (ids.some((id, i) => id !== ids[0]! + i)) throw new Error('the bound needs users with consecutive ids');
  const { stdout: version } = await run('pgbench', ['--version']);
  const shares: Awaited<ReturnType<typeof runShare>>[] = [];
  for (const script of scripts.filter((s) => s.statements > 0)) shares.push(await runShare(sut, script, ids, options));
  const sum = (f: (s: (typeof shares)[number]) => number) => shares.reduce((total, share) => total + f(share), 0);
  return {
    pgbench: version.trim(), clients: ids.length, secondsPerDatabase: options.secondsPerDatabase, shares,
    /** 1 ÷ Σ (1 ÷ tps): a paid order needs each share once, and each had the server to itself. */
    paidPerSecond: 1 / sum((s) => 1 / s.tps),
    postgresCpuMsPerPaidOrder: sum((s) => s.postgresCpuMsPerRun), commitsPerPaidOrder: sum((s) => s.commitsPerRun), rowsWrittenPerPaidOrder: sum((s) => s.rowsWrittenPerRun),
    statementsPerPaidOrder: sum((s) => s.statements), leftOutPerCycle: scripts.reduce((total, s) => total + s.leftOutPerCycle, 0),
  };
}

import { createDeliveredMarks } from '@orderflow/order/store/delivered-marks';
import { createFlowUser, runFlowCycle, type FlowConnections, type FlowUser } from '../order-flow-sql.js';
import { AmbiguousRecordingError, writePgbenchScripts, type DatabaseScript } from './pgbench-scripts.js';
import { AbandonedCycle, readParameterTypes, recordingClient, type FlowDatabase, type RecordedStatement } from './recorded-statement.js';

/** A fresh user's first cycle also asks auth about its session; the gateway's 5 s cache skips that afterwards. */
const MAX_CYCLES = 5;
const MAX_ATTEMPTS = 3;

/** Longer than a cycle: the recorded cycle's marks are written by the flush at its end, not by the timer. */
const MARKS_DELAY_MS = 60_000;

/**
 * One cycle on the connections as the stores see them, logging each statement (and sending none
 * past `limit`), with order's own batching of delivered marks on a recorded connection too: its
 * statement, flushed as the cycle ends, is logged as batched (the system shares it among orders).
 */
async function recordCycle(db: FlowConnections, user: FlowUser, log: RecordedStatement[], limit?: number): Promise<void> {
  const wrap = (database: FlowDatabase) => recordingClient(db[database], database, log, { limit });
  const failures: unknown[] = [];
  const marks = createDeliveredMarks(recordingClient(db.order, 'order', log, { limit, isBatched: true }), {
    delayMs: MARKS_DELAY_MS,
    onMarked: () => {},
    onError: (error) => failures.push(error),
  });
  await runFlowCycle({ auth: wrap('auth'), billing: wrap('billing'), order: wrap('order'), notification: wrap('notification') }, user, marks);
  await marks.flush();
  if (failures.length > 0) throw failures[0];
}

/** Cycles of one user until two in a row send the same statements: those two are the steady state. */
async function recordSteadyCycles(db: FlowConnections, user: FlowUser): Promise<[RecordedStatement[], RecordedStatement[]]> {
  let previous: RecordedStatement[] = [];
  for (let cycle = 0; cycle < MAX_CYCLES; cycle++) {
    const log: RecordedStatement[] = [];
    await recordCycle(db, user, log);
    if (log.length === previous.length && log.every((statement, i) => statement.database === previous[i]!.database && statement.text === previous[i]!.text)) {
      for (const [i, statement] of log.entries()) statement.parameterTypes = previous[i]!.parameterTypes = await readParameterTypes(db[statement.database], statement.text);
      return [previous, log];
    }
    previous = log;
  }
  throw new Error(`no two cycles in a row sent the same statements in ${MAX_CYCLES} cycles`);
}

/** Whether two sets of scripts are the same; with `constants`, their -D values too (but the per-iteration ids' bases). */
function isSame(a: DatabaseScript[], b: DatabaseScript[], { constants }: { constants: boolean }): boolean {
  const values = (script: DatabaseScript) => JSON.stringify(Object.entries(script.variables).filter(([name]) => !name.endsWith('_base')));
  return a.length === b.length && a.every((script, i) => script.script === b[i]!.script && (!constants || values(script) === values(b[i]!)));
}

/**
 * The pgbench scripts of one paid order, from what the bound's own sequence (order-flow-sql.ts)
 * sends through the services' stores, never from a copy of their SQL. Values tell apart where an
 * id came from only while they differ, so the scripts of a fresh user's steady cycle are checked:
 * against the cycle before it, constants included (a value that changes from one order to the next
 * must not be frozen into a -D constant), and against another user's (a constant equal to an id
 * in one recording is not in the other). When a check fails, or equal ids come from two places (an
 * order's id and its letter's, one letter per paid order), a cycle abandoned after its first
 * statement moves that statement's ids ahead of the others', and it records again.
 */
export async function scriptPaidOrder(db: FlowConnections, options: { login: string; firstUserId: number; clients: number; batchSize: number }): Promise<DatabaseScript[]> {
  let problem = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const other = await createFlowUser(db, `${options.login}_${attempt}a`);
    const user = await createFlowUser(db, `${options.login}_${attempt}b`);
    const [, otherCycle] = await recordSteadyCycles(db, other);
    // The last cycle recorded has the highest ids yet: the per-iteration ids start above them.
    const [previousCycle, cycle] = await recordSteadyCycles(db, user);
    try {
      const scripts = writePgbenchScripts(cycle, { ...options, userId: user.id });
      if (!isSame(scripts, writePgbenchScripts(previousCycle, { ...options, userId: user.id }), { constants: true })) problem = 'a value changes from one order to the next';
      else if (!isSame(scripts, writePgbenchScripts(otherCycle, { ...options, userId: other.id }), { constants: false })) problem = "another user's cycle gives other scripts";
      else return scripts;
    } catch (error) {
      if (!(error instanceof AmbiguousRecordingError)) throw error;
      problem = error.message;
    }
    await recordCycle(db, user, [], 1).catch((error: unknown) => {
      if (!(error instanceof AbandonedCycle)) throw error;
    });
  }
  throw new Error(`the recorded paid order stays ambiguous after ${MAX_ATTEMPTS} attempts: ${problem}`);
}

import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Client } from 'undici';
import { ensureDatabase } from '@orderflow/stack';
import { summarise, type Percentiles } from '../latency.js';
import { sleep } from '../progress.js';

/**
 * The critical path of PUT /order/:id/pay (services/order/src/domain/pay-order.ts): client → gateway,
 * gateway → order, order → billing (payForOrder), order → notification (deliverLetter, after the
 * settle has committed).
 */
export const PAY_HTTP_EXCHANGES = 4;
/** Its commits one after the other: the claim new → pending, billing's payment, the settle pending → processing, the letter in notification. */
export const PAY_SEQUENTIAL_COMMITS = 4;

/** Apart enough that each sample meets an idle machine, not the tail of the one before. */
const SAMPLE_GAP_MS = 10;
/** Unmeasured samples first: JIT, the connection, the server's first answers. */
const WARMUP_SAMPLES = 20;

export interface FloorResult {
  httpExchanges: number;
  sequentialCommits: number;
  /** One bare node:http round trip to another process at idle (undici client). */
  httpRoundTrip: Percentiles;
  /** One autocommitted one-row UPDATE through pg at idle. */
  commit: Percentiles;
  /** httpExchanges × round trip p50 + sequentialCommits × commit p50. */
  floorMs: number;
  unloadedPayP50Ms: number;
  /** Unloaded pay p50 ÷ floor: how far the pay is above what its hops and commits cost bare. */
  payToFloor: number;
}

async function sampleAtIdle(samples: number, run: () => Promise<void>): Promise<Percentiles> {
  const measured: number[] = [];
  for (let i = 0; i < WARMUP_SAMPLES + samples; i++) {
    const startedAt = performance.now();
    await run();
    if (i >= WARMUP_SAMPLES) measured.push(performance.now() - startedAt);
    await sleep(SAMPLE_GAP_MS);
  }
  return summarise(measured);
}

async function measureBareRoundTrip(samples: number): Promise<Percentiles> {
  const server = fork(fileURLToPath(new URL('bare-http-server.js', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const [port] = (await once(server, 'message')) as [number];
    const client = new Client(`http://127.0.0.1:${port}`, { keepAliveTimeout: 60_000 });
    try {
      return await sampleAtIdle(samples, async () => {
        const { body } = await client.request({ method: 'GET', path: '/' });
        await body.text();
      });
    } finally {
      await client.close();
    }
  } finally {
    server.disconnect();
  }
}

/** On a scratch database, so no service's data or statistics see it; dropped at the end. */
async function measureBareCommit(admin: pg.Client, adminUrl: string, samples: number): Promise<Percentiles> {
  const name = `bench_floor_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: await ensureDatabase(adminUrl, name) });
  try {
    await client.connect();
    await client.query('CREATE TABLE floor_counters (id int PRIMARY KEY, commits bigint NOT NULL)');
    await client.query('INSERT INTO floor_counters VALUES (1, 0)');
    return await sampleAtIdle(samples, async () => {
      await client.query('UPDATE floor_counters SET commits = commits + 1 WHERE id = 1');
    });
  } finally {
    await client.end();
    // The name is the bench's own, never user input.
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** Measured while the system idles, right after the unloaded phase, so both meet the same machine. */
export async function measureUnloadedFloor(options: { admin: pg.Client; adminUrl: string; samples: number; unloadedPayP50Ms: number }): Promise<FloorResult> {
  const httpRoundTrip = await measureBareRoundTrip(options.samples);
  const commit = await measureBareCommit(options.admin, options.adminUrl, options.samples);
  const floorMs = PAY_HTTP_EXCHANGES * httpRoundTrip.p50 + PAY_SEQUENTIAL_COMMITS * commit.p50;
  return {
    httpExchanges: PAY_HTTP_EXCHANGES,
    sequentialCommits: PAY_SEQUENTIAL_COMMITS,
    httpRoundTrip,
    commit,
    floorMs,
    unloadedPayP50Ms: options.unloadedPayP50Ms,
    payToFloor: floorMs > 0 ? options.unloadedPayP50Ms / floorMs : 0,
  };
}

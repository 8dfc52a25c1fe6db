import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Client } from 'undici';
import { ensureDatabase } from '@orderflow/stack';
import { percentiles } from './load.js';

/**
 * The pay's critical path (services/order/src/domain/pay-order.ts and letters.ts): client → gateway,
 * gateway → order, order → billing, order → notification, and the claim, billing's payment, the
 * outcome with its letter, and the letter in notification (delivered after that commit) committed
 * one after the other. Change these with the use case.
 */
const PAY_HTTP_EXCHANGES = 4;
const PAY_SEQUENTIAL_COMMITS = 4;
const SAMPLE_GAP_MS = 10;
const WARMUP_SAMPLES = 20;

/** node:http with no framework, in a process of its own, as a hop between services crosses processes. */
const BARE_SERVER = `require('node:http').createServer((q, s) => { q.resume(); s.end('ok'); })
  .listen(0, '127.0.0.1', function () { process.send(this.address().port); });
process.on('disconnect', () => process.exit(0));`;

export type FloorResult = Awaited<ReturnType<typeof measureFloor>>;

/** The p50 of `run` at idle, samples 10 ms apart after unmeasured ones. */
async function p50AtIdle(samples: number, run: () => Promise<unknown>): Promise<number> {
  const measured: number[] = [];
  for (let i = 0; i < WARMUP_SAMPLES + samples; i++) {
    const startedAt = performance.now();
    await run();
    if (i >= WARMUP_SAMPLES) measured.push(performance.now() - startedAt);
    await sleep(SAMPLE_GAP_MS);
  }
  return percentiles(measured).p50;
}

/** What the unloaded pay would cost if every hop and commit on its path were bare, and the pay ÷ that. */
export async function measureFloor(adminUrl: string, samples: number, payP50Ms: number) {
  const server = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [port] = (await once(server, 'message')) as [number];
  const http = new Client(`http://127.0.0.1:${port}`, { keepAliveTimeout: 60_000 });
  const roundTripP50Ms = await p50AtIdle(samples, async () => (await http.request({ method: 'GET', path: '/' })).body.text());
  await http.close();
  server.disconnect();

  const db = new pg.Client({ connectionString: await ensureDatabase(adminUrl, 'bench_floor') });
  await db.connect();
  await db.query('CREATE TABLE floor_counters (id int PRIMARY KEY, commits bigint NOT NULL)');
  await db.query('INSERT INTO floor_counters VALUES (1, 0)');
  const commitP50Ms = await p50AtIdle(samples, () => db.query('UPDATE floor_counters SET commits = commits + 1 WHERE id = 1'));
  await db.end();

  const floorMs = PAY_HTTP_EXCHANGES * roundTripP50Ms + PAY_SEQUENTIAL_COMMITS * commitP50Ms;
  return { httpExchanges: PAY_HTTP_EXCHANGES, sequentialCommits: PAY_SEQUENTIAL_COMMITS, roundTripP50Ms, commitP50Ms, floorMs, payP50Ms, payToFloor: payP50Ms / floorMs };
}

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createCpuProbe } from '../cpu.js';
import { createMeasurementWindow } from '../measurement-window.js';
import { sleep, startProgress } from '../progress.js';
import { BARE_PATH } from './bare-answer.js';

export interface BareLoadResult {
  concurrency: number;
  measuredS: number;
  /** 200 answers completed inside the window. */
  requests: number;
  requestsPerSecond: number;
  /** Non-200 answers and failures, warmup included. */
  errors: number;
  /** CPU ms of each measured process per request answered in the window (from /proc, as cpu.ts reads it). */
  msPerRequest: Record<string, number | null>;
  /** The share of the whole machine that was busy in the window, 0–100: a busy machine shows. */
  machineBusyPercent: number;
}

/** A keep-alive pool with a connection for every request in flight, on the Unix socket when the address is one. */
function poolFor(address: string, connections: number): Pool {
  const options = { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 };
  return address.startsWith('unix:') ? new Pool('http://localhost', { ...options, socketPath: address.slice('unix:'.length) }) : new Pool(address, options);
}

/**
 * `concurrency` GETs of the bare answer always in flight (each loop sends its next request when the
 * last is answered, as the saturation phase's users do), `warmupS` unmeasured, then `durationS`
 * measured: the CPU each named process spent in the window over the requests answered in it.
 */
export async function runClosedLoop(
  label: string,
  address: string,
  pids: Record<string, number>,
  timing: { concurrency: number; warmupS: number; durationS: number },
): Promise<BareLoadResult> {
  const pool = poolFor(address, timing.concurrency);
  const window = createMeasurementWindow({ cpu: createCpuProbe(pids, null, os.availableParallelism()), readCommits: async () => null });
  let isRunning = true;
  let requests = 0;
  let errors = 0;
  const progress = startProgress(label, (_second, now) => `${now < window.openedAt ? 'warmup' : 'measuring'}  ${requests} answered  errors ${errors}`);
  const loops = Array.from({ length: timing.concurrency }, async () => {
    while (isRunning) {
      try {
        const { statusCode, body } = await pool.request({ method: 'GET', path: BARE_PATH });
        await body.text();
        if (statusCode !== 200) errors++;
        else if (window.isOpen(performance.now())) requests++;
      } catch {
        errors++;
        await sleep(10);
      }
    }
  });
  let reading;
  try {
    await sleep(timing.warmupS * 1000);
    await window.open();
    await sleep(timing.durationS * 1000);
    reading = await window.close();
  } finally {
    isRunning = false;
    await Promise.all(loops);
    progress.stop();
    await pool.close();
  }
  const msPerRequest = Object.fromEntries(Object.keys(pids).map((name) => {
    const ms = reading.cpu.cpuMs[name];
    return [name, ms === null || ms === undefined || requests === 0 ? null : ms / requests];
  }));
  return {
    concurrency: timing.concurrency,
    measuredS: reading.measuredS,
    requests,
    requestsPerSecond: requests / reading.measuredS,
    errors,
    msPerRequest,
    machineBusyPercent: reading.cpu.machineBusyPercent,
  };
}

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createCpuProbe } from '../cpu.js';
import { createMeasurementWindow } from '../measurement-window.js';
import { sleep, startProgress } from '../progress.js';
import { BARE_PATH } from './bare-answer.js';

export interface BareLoadResult {
  concurrency: number;
  /** Requests per second the load was paced at; absent for a closed loop (each answer sends the next request). */
  rate?: number;
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
 * GETs of the bare answer from `concurrency` loops, `warmupS` unmeasured, then `durationS` measured:
 * the CPU each named process spent in the window over the requests answered in it. Without a `rate`,
 * a closed loop: each loop sends its next request when the last is answered, as the saturation
 * phase's users do, so the server runs flat out. With one, the loops take turns at due times
 * 1/rate s apart, at most `concurrency` in flight: a server as busy as a service was, no busier.
 */
export async function runBareLoad(
  label: string,
  address: string,
  pids: Record<string, number>,
  timing: { concurrency: number; warmupS: number; durationS: number; rate?: number },
): Promise<BareLoadResult> {
  const pool = poolFor(address, timing.concurrency);
  const window = createMeasurementWindow({ cpu: createCpuProbe(pids, null, os.availableParallelism()), readCommits: async () => null });
  let isRunning = true;
  let requests = 0;
  let errors = 0;
  const progress = startProgress(label, (_second, now) => `${now < window.openedAt ? 'warmup' : 'measuring'}  ${requests} answered  errors ${errors}`);
  const pacedFrom = performance.now();
  let sent = 0;
  const loops = Array.from({ length: timing.concurrency }, async () => {
    while (isRunning) {
      if (timing.rate !== undefined) {
        await sleep(pacedFrom + (sent++ * 1000) / timing.rate - performance.now());
        if (!isRunning) break;
      }
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
    reading = await window.measure(timing);
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
    ...(timing.rate === undefined ? {} : { rate: timing.rate }),
    measuredS: reading.measuredS,
    requests,
    requestsPerSecond: requests / reading.measuredS,
    errors,
    msPerRequest,
    machineBusyPercent: reading.cpu.machineBusyPercent,
  };
}

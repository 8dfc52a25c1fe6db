import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crashPostgres, startScratchPostgres, type EmbeddedPostgresHandle, type RunningSystem } from '@orderflow/stack';
import { bootTestSystem } from '../support/system.js';
import { CHAOS_SERVICE_ENV, countFaults, formatSummary, runChaos } from './chaos.js';
import { createFaultNetwork, FAULT_KINDS, type FaultNetwork, type FaultStep } from './faults.js';

/**
 * Each kind of fault once, on the links where it hurts most, then more at random until the load ends:
 * a pay whose billing answer is reset (the recovery loop settles it), a top-up whose answer is lost
 * (its idempotency key keeps the retry from paying twice), sign-ups while billing does not answer.
 */
const PLAN: FaultStep[] = [
  { kind: 'reset', link: { caller: 'order', callee: 'billing' }, allReplicas: true },
  { kind: 'blackhole', link: { caller: 'gateway', callee: 'billing' }, allReplicas: true },
  { kind: 'postgres' },
  { kind: 'blackhole', link: { caller: 'auth', callee: 'billing' }, allReplicas: true },
  { kind: 'kill' },
  { kind: 'delay', link: { caller: 'gateway', callee: 'order' }, allReplicas: true },
  { kind: 'refuse', link: { caller: 'order', callee: 'notification' }, allReplicas: true },
  { kind: 'reset', link: { caller: 'gateway', callee: 'billing' }, allReplicas: true },
];

describe('fault injection: processes killed, links faulty and PostgreSQL crashed under load', () => {
  // A server of its own: the crash would take down the one every other test file runs on.
  let postgres: EmbeddedPostgresHandle;
  let network: FaultNetwork;
  let system: RunningSystem;
  before(async () => {
    postgres = await startScratchPostgres('chaos-test');
    network = createFaultNetwork();
    system = await bootTestSystem({ adminUrl: postgres.adminUrl, replicas: 2, serviceEnv: CHAOS_SERVICE_ENV, routePeer: network.routePeer });
  });
  after(async () => {
    await system?.stop();
    await network?.close();
    await postgres?.stop();
  });

  test('when every kind of fault hits for 45 s, then no money or letter is lost or doubled, every answer holds, none hangs, and every process is ready again', async () => {
    const summary = await runChaos({
      system,
      network,
      crashDatabase: () => crashPostgres(postgres.adminUrl),
      durationMs: 45_000,
      users: 8,
      kinds: FAULT_KINDS,
      plan: PLAN,
      timings: { holdMs: 2_500, gapMs: 1_000, delayMs: 400 },
    });

    console.log(formatSummary(summary));
    assert.deepEqual(summary.violations, []);
    const counts = countFaults(summary.faults);
    for (const kind of FAULT_KINDS) assert.ok(counts[kind] >= 1, `no ${kind} fault was injected: ${JSON.stringify(counts)}`);
    for (const [kind, acts] of Object.entries(summary.networkActs)) assert.ok(acts >= 1, `the ${kind} fault never acted on a connection`);
    assert.ok(summary.paidOrders >= 20, `only ${summary.paidOrders} paid orders`);
  });
});

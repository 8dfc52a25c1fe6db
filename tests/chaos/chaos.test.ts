import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSystem } from '@orderflow/stack';
import { bootTestSystem } from '../support/system.js';
import { CHAOS_SERVICE_ENV, formatSummary, runChaos } from './chaos.js';

describe('fault injection: processes SIGKILLed under load', () => {
  let system: RunningSystem;
  before(async () => {
    system = await bootTestSystem({ replicas: 2, serviceEnv: CHAOS_SERVICE_ENV });
  });
  after(() => system.stop());

  test('when services die mid-flight for 30 s, then no money or letter is lost or doubled and no order is left pending', async () => {
    const summary = await runChaos({ system, durationMs: 30_000, users: 8, killEveryMs: 1_000 });

    console.log(formatSummary(summary));
    assert.deepEqual(summary.violations, []);
    assert.ok(summary.kills >= 3, `only ${summary.kills} kills`);
    assert.ok(summary.orders >= 20, `only ${summary.orders} orders`);
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

/**
 * A benchmark is not a timed test: this runs `npm run bench`'s entry for a few seconds (it boots its
 * own scratch PostgreSQL) to prove that every phase runs and that what it writes is sense, not to
 * judge the numbers, which depend on the machine and whatever runs beside it.
 */
describe('npm run bench', () => {
  test('when it runs every phase for a few seconds, then its figures are sense and it writes JSON, Markdown and SVG', { timeout: 300_000 }, async (t) => {
    const out = await mkdtemp(path.join(tmpdir(), 'orderflow-bench-smoke-'));
    const stopped = new AbortController();
    t.after(async () => {
      stopped.abort();
      await rm(out, { recursive: true, force: true });
    });

    const child = spawn(process.execPath, [path.join(repoRoot, 'bench', 'dist', 'src', 'main.js'), '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], signal: stopped.signal });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(exitCode, 0, output);

    const results = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8'));
    for (const name of ['unloaded', 'saturation', 'fixedRate']) {
      const phase = results.phases[name];
      assert.deepEqual(phase.errors, {}, `errors in ${name}`);
      assert.ok(phase.paid > 0 && phase.paidPerSecond > 0, `${name} paid orders`);
      assert.ok(phase.latency.pay.p50 > 0 && phase.latency.pay.p50 <= phase.latency.pay.p99, `${name} pay latency`);
      assert.ok(phase.requestsPerSecond >= 3 * phase.paidPerSecond, `${name}: a cycle is four requests`);
    }
    const fixedRatePay = results.phases.fixedRate.latencyFromSchedule.pay;
    assert.ok(fixedRatePay.n > 0 && fixedRatePay.p50 > 0, 'the fixed rate charges the pay from its schedule');
    for (const process of ['gateway', 'billing', 'order', 'notification', 'postgres']) {
      assert.ok(results.phases.saturation.window.cpuMs[process] > 0, `CPU of ${process} at saturation`);
    }

    // The bound replays what the services sent: every database of a paid order, each statement once a run.
    const { bound } = results;
    assert.deepEqual(bound.shares.map((share: { service: string }) => share.service).sort(), ['billing', 'notification', 'order']);
    for (const share of bound.shares) {
      assert.ok(share.statements >= 1 && share.tps > 0, `pgbench ran ${share.service}'s share`);
      assert.ok(Math.abs(share.commitsPerRun - share.statements) < 0.5, `${share.service}: one commit per replayed statement, as the system makes them`);
      assert.ok(share.writingStatements >= 1 && share.rowsWrittenPerRun >= share.writingStatements, `${share.service}: the replay writes rows, as the system's statements do`);
    }
    assert.ok(results.systemToBound > 0 && results.systemToBound < 1, `system ÷ bound ${results.systemToBound}: the system cannot beat its own statements without HTTP`);
    assert.ok(bound.postgresCpuMsPerPaidOrder > 0);

    const { logins } = results;
    assert.deepEqual(logins.errors, {}, 'errors in logins');
    assert.ok(logins.logins > 0 && logins.loginsPerSecond > 0 && logins.latency.p50 > 0 && logins.latency.p50 <= logins.latency.p99, 'logins measured apart from the order flow');

    assert.ok(results.floor.roundTripP50Ms > 0 && results.floor.commitP50Ms > 0 && results.floor.payToFloor > 0.5, 'the pay costs about its bare floor or more');
    assert.equal(results.newman.first.failures, 0);
    assert.ok(results.newman.first.requests > 0 && results.newman.warm.length === 2);
    assert.ok(results.tracing.paidPerSecondOn > 0, 'the tracing run paid orders');
    assert.equal(results.targets.length, 7);
    assert.match(results.machine.postgres, /^\d+\.\d+/);

    const markdown = await readFile(path.join(out, 'latest.md'), 'utf8');
    assert.match(markdown, /^# orderflow benchmark/);
    assert.match(markdown, /\| target \| measured \| goal \|/);
    assert.match(markdown, /^## The bound: the same statements without HTTP \(pgbench\)$/m);
    assert.match(markdown, /^## Logins, apart from the order flow$/m);
    const svg = await readFile(path.join(out, 'latest.svg'), 'utf8');
    assert.match(svg, /^<\?xml [^>]*\?>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /paid orders per second/);
    assert.match(svg, /<\/svg>\n$/);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { findFreePort } from '@orderflow/stack';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

describe('the chaos suite’s fault proxy', () => {
  let server: Server;
  let proxy: FaultProxy;
  /** Requests the callee has handled: a fault on the way back must not keep them from arriving. */
  let handled = 0;

  before(async () => {
    const port = await findFreePort();
    server = createServer((_request, response) => {
      handled++;
      response.setHeader('content-type', 'text/plain');
      response.end('x'.repeat(1_000));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    proxy = await startFaultProxy(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A fresh connection each time (no keep-alive pool), with its own timeout. */
  async function ask(timeoutMs = 2_000): Promise<{ ms: number; outcome: string }> {
    const startedAt = Date.now();
    try {
      const response = await fetch(proxy.url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      return { ms: Date.now() - startedAt, outcome: `${response.status} ${body.length}` };
    } catch (error) {
      const cause = (error as Error & { cause?: NodeJS.ErrnoException }).cause;
      return { ms: Date.now() - startedAt, outcome: (error as Error).name === 'TimeoutError' ? 'timeout' : (cause?.code ?? (error as Error).message) };
    }
  }

  test('when no fault is on, then the answer passes unchanged', async () => {
    assert.equal((await ask()).outcome, '200 1000');
  });

  test('when a delay is on, then the answer arrives at least that much later, whole', async () => {
    await proxy.setFault({ kind: 'delay', ms: 300 });
    const answer = await ask();
    await proxy.setFault(undefined);

    assert.equal(answer.outcome, '200 1000');
    assert.ok(answer.ms >= 300, `answered in ${answer.ms} ms`);
  });

  test('when a blackhole is on, then the callee handles the request and the caller never hears back', async () => {
    const before = handled;
    await proxy.setFault({ kind: 'blackhole' });
    const answer = await ask(500);
    await proxy.setFault(undefined);

    assert.equal(answer.outcome, 'timeout');
    assert.equal(handled, before + 1);
  });

  test('when a reset is on, then the callee handles the request and the caller’s answer breaks off', async () => {
    const before = handled;
    await proxy.setFault({ kind: 'reset' });
    const answer = await ask();
    await proxy.setFault(undefined);

    assert.notEqual(answer.outcome, '200 1000');
    assert.notEqual(answer.outcome, 'timeout');
    assert.equal(handled, before + 1);
    assert.equal((await ask()).outcome, '200 1000', 'lifted, the link works again');
  });

  test('when refuse is on, then connections are refused and the callee sees nothing; lifted, the link works again', async () => {
    const before = handled;
    await proxy.setFault({ kind: 'refuse' });
    const answer = await ask();
    await proxy.setFault(undefined);

    assert.equal(answer.outcome, 'ECONNREFUSED');
    assert.equal(handled, before);
    assert.equal((await ask()).outcome, '200 1000');
  });
});

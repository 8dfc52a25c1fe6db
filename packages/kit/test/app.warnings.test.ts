import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServiceApp } from '../src/app.js';

describe('createServiceApp', () => {
  // Fastify reports a deprecated option once per process, through process warnings: a clean start
  // of every service prints none.
  test('when an app is built and serves a request, then Node reports no warning', async (t) => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const app = createServiceApp({ name: 'warnings', logLevel: 'silent', docs: true });
    app.get('/things', async () => ({ ok: true }));
    t.after(() => app.close());

    const response = await app.inject({ method: 'GET', url: '/things' });
    await new Promise((resolve) => setImmediate(resolve));

    assert.equal(response.statusCode, 200);
    assert.deepEqual(warnings, []);
  });
});

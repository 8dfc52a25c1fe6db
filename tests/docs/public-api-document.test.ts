import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { OpenAPIBackend } from 'openapi-backend';
import type { RunningSystem } from '@orderflow/stack';
import { bootTestSystem } from '../support/system.js';
import { PUBLIC_DOCUMENT_FILE, readPublicOperations, withFormats } from '../support/public-document.js';

describe('GET /docs at the gateway: the public API document', () => {
  let system: RunningSystem;
  let served: Record<string, unknown>;
  before(async () => {
    system = await bootTestSystem();
    const response = await fetch(`${system.gatewayUrl}/docs`);
    assert.equal(response.status, 200, await response.clone().text());
    served = (await response.json()) as Record<string, unknown>;
  });
  after(() => system.stop());

  test('when the gateway puts it together from the running services, then it is docs/openapi.json, byte for byte in content', async () => {
    const shipped = JSON.parse(await readFile(PUBLIC_DOCUMENT_FILE, 'utf8'));

    assert.deepEqual(served, shipped, 'docs/openapi.json differs from what the services describe: run `npm run openapi` and commit it');
  });

  test('it is a valid OpenAPI 3.0 document', async () => {
    const api = new OpenAPIBackend({ definition: structuredClone(served) as never, strict: true, validate: true, quick: false, customizeAjv: withFormats });

    await api.init();

    assert.ok(api.getOperations().length > 0);
  });

  test('when each operation of the document is sent to the edge, then the edge routes it, to a session check where it says so', async () => {
    const failures: string[] = [];
    for (const operation of readPublicOperations()) {
      const response = await fetch(`${system.gatewayUrl}${operation.path.replace('{id}', '42')}`, {
        method: operation.method,
        headers: operation.method === 'GET' ? {} : { 'content-type': 'application/json' },
        body: operation.method === 'GET' ? undefined : '{}',
      });
      const problem = (await response.json()) as { code?: string };
      if (problem.code === 'route.not_found') failures.push(`${operation.method} ${operation.path}: the edge does not route it`);
      if (operation.isProtected && response.status !== 401) failures.push(`${operation.method} ${operation.path}: ${response.status} without a session, though the document asks for one`);
    }

    assert.deepEqual(failures, []);
  });
});

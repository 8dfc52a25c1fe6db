import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitOnStartupError, startScratchPostgres, startSystem } from '@orderflow/stack';
import { PUBLIC_DOCUMENT_FILE } from '../support/public-document.js';

/**
 * `npm run openapi`: boots the system on a scratch PostgreSQL, asks the gateway for its GET /docs
 * (composed from the services' own documents) and writes it to docs/openapi.json, the copy for the
 * edges that have no gateway (Kubernetes) and for readers of the repository.
 */
const failToStart = exitOnStartupError('npm run openapi');
const postgres = await startScratchPostgres('openapi').catch(failToStart);
try {
  const system = await startSystem({ adminUrl: postgres.adminUrl, databasePrefix: 'openapi', internalToken: randomBytes(24).toString('base64url'), logs: 'ignore' }).catch(failToStart);
  try {
    const response = await fetch(`${system.gatewayUrl}/docs`);
    if (response.status !== 200) throw new Error(`GET /docs answered ${response.status}: ${await response.text()}`);
    await writeFile(PUBLIC_DOCUMENT_FILE, `${JSON.stringify(await response.json(), null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), PUBLIC_DOCUMENT_FILE)}`);
  } finally {
    await system.stop();
  }
} finally {
  await postgres.stop();
}

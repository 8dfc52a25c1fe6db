import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

const CONFIG_MODULES: Record<string, string> = {
  auth: 'AuthConfigSchema',
  billing: 'BillingConfigSchema',
  order: 'OrderConfigSchema',
  notification: 'NotificationConfigSchema',
  gateway: 'GatewayConfigSchema',
};

describe('service READMEs', () => {
  for (const [service, exportName] of Object.entries(CONFIG_MODULES)) {
    test(`the ${service} README documents every variable its config schema reads`, async () => {
      const module = (await import(path.join(repoRoot, 'services', service, 'dist', 'src', 'config.js'))) as Record<string, { properties: Record<string, unknown> }>;
      const readme = readFileSync(path.join(repoRoot, 'services', service, 'README.md'), 'utf8');
      const documented = new Set([...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));

      assert.deepEqual([...documented].sort(), Object.keys(module[exportName]!.properties).sort());
    });
  }
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

/** Each process's config schema, and the README whose table documents it. */
const CONFIG_SCHEMAS: { name: string; module: string; exportName: string; readme: string }[] = [
  ...['auth', 'billing', 'order', 'notification', 'gateway'].map((service) => ({
    name: service,
    module: path.join(repoRoot, 'services', service, 'dist', 'src', 'config.js'),
    exportName: `${service[0]!.toUpperCase()}${service.slice(1)}ConfigSchema`,
    readme: path.join(repoRoot, 'services', service, 'README.md'),
  })),
  { name: 'npm start', module: path.join(repoRoot, 'packages', 'stack', 'dist', 'src', 'start-config.js'), exportName: 'StartConfigSchema', readme: path.join(repoRoot, 'packages', 'stack', 'README.md') },
];

/** How a README writes a schema's default: `value`, (empty) for '', (required) or (none) without one. */
function shownDefault(property: { default?: unknown }, isRequired: boolean): string {
  if (!('default' in property)) return isRequired ? '(required)' : '(none)';
  if (property.default === '') return '(empty)';
  const value = String(property.default);
  // A path default is absolute on this machine; the README names it from the repository root.
  return `\`${path.isAbsolute(value) ? path.relative(repoRoot, value) : value}\``;
}

describe('configuration READMEs', () => {
  for (const { name, module, exportName, readme } of CONFIG_SCHEMAS) {
    test(`the ${name} README documents every variable its config schema reads, with the schema's default`, async () => {
      const schema = ((await import(module)) as Record<string, { properties: Record<string, { default?: unknown }>; required?: string[] }>)[exportName]!;
      const text = readFileSync(readme, 'utf8');
      const documented = Object.fromEntries([...text.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+?) \|/gm)].map((m) => [m[1]!, m[2]!]));

      const expected = Object.fromEntries(Object.entries(schema.properties).map(([variable, property]) => [variable, shownDefault(property, schema.required?.includes(variable) ?? false)]));
      assert.deepEqual(documented, expected);
    });
  }
});

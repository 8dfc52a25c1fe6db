import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import semver from 'semver';
import { repoRoot } from '@orderflow/stack';

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const rootPackage = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };

describe('package.json engines', () => {
  // npm ci warns (EBADENGINE) for every installed package whose engines leave out the running Node:
  // the promise in `engines` holds only if each locked package accepts every version it allows.
  test('when a Node version satisfies the root engines, then every locked package accepts it', () => {
    const promised = rootPackage.engines.node;

    const narrower = Object.entries(lock.packages)
      .map(([name, locked]) => ({ name: `${name}@${locked.version}`, accepts: Array.isArray(locked.engines) ? undefined : locked.engines?.node }))
      .filter(({ accepts }) => accepts !== undefined && !semver.subset(promised, accepts))
      .map(({ name, accepts }) => `${name}: ${accepts}`);

    assert.deepEqual(narrower, []);
  });
});

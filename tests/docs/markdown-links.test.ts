import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '@orderflow/stack';

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

// Every Markdown file git tracks: the README is a short page of links into docs/, so a moved or
// renamed page must not leave a dead link behind.
const markdownFiles = execFileSync('git', ['ls-files', '*.md'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter((f) => f !== '');

describe('Markdown links', () => {
  test('when a page links to a file of the repository or a heading, then it exists', () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      const absolute = path.join(repoRoot, file);
      const text = readFileSync(absolute, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // http:, https:, mailto:
        const [linkPath, anchor] = target!.split('#') as [string, string | undefined];
        const linked = linkPath === '' ? absolute : path.resolve(path.dirname(absolute), linkPath);
        if (!existsSync(linked)) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor !== undefined && linked.endsWith('.md') && !anchorsIn(linked).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    assert.ok(markdownFiles.includes('README.md'));
    assert.deepEqual(broken, []);
  });
});

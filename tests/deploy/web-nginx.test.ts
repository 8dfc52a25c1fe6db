import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '@orderflow/stack';
import { REPO_ROOT, readRepoFile } from './manifests.js';
import { NGINX, startNginx, type NginxEdge } from '../support/nginx.js';

// web/nginx.conf run by real nginx against web/dist (built by `npm test`'s build), the way the web
// image runs it, with only its paths moved: /tmp to a temporary prefix, the image's root to a copy of
// web/dist, port 8080 to a free one on 127.0.0.1.
const skip = NGINX === undefined ? 'nginx not installed: apt-get install nginx' : false;

const WEB_DIST = path.join(REPO_ROOT, 'web', 'dist');

/** What the gateway sends with index.html on one machine: the image must send the same. */
const GATEWAY_CSP = /const CONTENT_SECURITY_POLICY = "([^"]+)"/.exec(readRepoFile('services/gateway/src/routes/web.routes.ts'))?.[1];
/** @fastify/static's header for the gateway's `maxAge: '365d', immutable: true`. */
const GATEWAY_ASSET_CACHE = 'public, max-age=31536000, immutable';

function replaceOrFail(text: string, search: string, replacement: string): string {
  if (!text.includes(search)) throw new Error(`web/nginx.conf has no "${search}"`);
  return text.replaceAll(search, replacement);
}

function configureForTest(prefix: string, port: number, root: string): string {
  let config = readRepoFile('web/nginx.conf');
  config = replaceOrFail(config, '/tmp/', `${prefix}/`);
  config = replaceOrFail(config, 'root /usr/share/nginx/web;', `root ${root};`);
  config = replaceOrFail(config, 'listen 8080 default_server;', `listen 127.0.0.1:${port} default_server;`);
  return config;
}

describe('web/nginx.conf: real nginx serving web/dist as the web image does', { skip }, () => {
  let server: NginxEdge | undefined;
  let root: string | undefined;
  before(async () => {
    const port = await findFreePort();
    // Run as root, nginx's workers drop to `nobody`, which cannot enter a checkout in a private folder.
    const copy = await mkdtemp(path.join(tmpdir(), 'orderflow-web-dist-'));
    root = copy;
    await chmod(copy, 0o755);
    await cp(WEB_DIST, copy, { recursive: true });
    // The image's CMD, since the file leaves `daemon` to it.
    server = await startNginx(port, (prefix) => configureForTest(prefix, port, copy), ['-g', 'daemon off;']);
  });
  after(async () => {
    await server?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  test('when / is requested, then index.html comes with the headers the gateway sends', async () => {
    const response = await fetch(`${server!.url}/`);
    const body = await response.text();

    assert.ok(GATEWAY_CSP, 'the gateway defines CONTENT_SECURITY_POLICY');
    assert.equal(response.status, 200);
    assert.equal(body, readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8'));
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('content-security-policy'), GATEWAY_CSP);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('server'), 'nginx', 'no version');
  });

  test('when / is revalidated with its ETag, then 304: no-cache costs a round trip, not a download', async () => {
    const first = await fetch(`${server!.url}/`);
    await first.arrayBuffer();

    const second = await fetch(`${server!.url}/`, { headers: { 'if-none-match': first.headers.get('etag') ?? '' } });
    await second.arrayBuffer();

    assert.equal(second.status, 304);
  });

  test('when each built asset is requested, then it is served as built, cached for a year and immutable', async () => {
    const assets = readdirSync(path.join(WEB_DIST, 'assets'));

    assert.ok(assets.length > 0, 'web/dist/assets holds the bundle');
    for (const file of assets) {
      const response = await fetch(`${server!.url}/assets/${file}`);
      const body = await response.text();

      assert.equal(response.status, 200, file);
      assert.equal(body, readFileSync(path.join(WEB_DIST, 'assets', file), 'utf8'), file);
      assert.equal(response.headers.get('cache-control'), GATEWAY_ASSET_CACHE, file);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', file);
      if (file.endsWith('.js')) assert.match(response.headers.get('content-type') ?? '', /javascript/, file);
      if (file.endsWith('.css')) assert.match(response.headers.get('content-type') ?? '', /^text\/css/, file);
    }
  });

  test('when any other path is requested, /internal included, then 404 with no cache headers', async () => {
    for (const requestPath of ['/internal/x', '/internal/accounts/42', '/index.html', '/favicon.ico', '/assets', '/assets/', '/assets/index-missing.js', '/order', '/sign-up']) {
      const response = await fetch(`${server!.url}${requestPath}`);
      await response.arrayBuffer();

      assert.equal(response.status, 404, requestPath);
      assert.equal(response.headers.get('cache-control'), null, requestPath);
    }
  });

  test('when the kubelet probes /health, then 200', async () => {
    const response = await fetch(`${server!.url}/health`);

    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok\n');
  });
});

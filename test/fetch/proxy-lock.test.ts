// Proxies from the environment (a real CONNECT proxy on 127.0.0.1) and the cross-process
// lock's stale detection.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, tryLock } from '../../cache/lock.js';
import { bypassProxy, proxyFromEnv } from '../../builder/fetch/proxy.js';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import { tempDir, tools } from '../helpers/env.js';
import { serveRepo, type RepoServer } from '../helpers/http-server.js';
import { lockFromRepo, makeRepo } from './fixture.js';
import { FAST_HTTP, recipeRepo, testCtx } from './setup.js';

describe('proxy settings', () => {
  it('reads http_proxy/https_proxy/no_proxy as curl does', () => {
    const p = proxyFromEnv({ http_proxy: 'proxy:3128', HTTPS_PROXY: 'http://user:pw@sp:8080', NO_PROXY: 'localhost, .internal,10.0.0.1:8080' });
    expect(p.http?.href).toBe('http://proxy:3128/');
    expect(p.https?.username).toBe('user');
    // Upper-case HTTP_PROXY is ignored (CGI sets it from a request header).
    expect(proxyFromEnv({ HTTP_PROXY: 'http://evil:1' }).http).toBeUndefined();
    const np = p.noProxy;
    expect(bypassProxy(new URL('http://localhost/x'), np)).toBe(true);
    expect(bypassProxy(new URL('http://mirror.internal/x'), np)).toBe(true);
    expect(bypassProxy(new URL('http://internal.example/x'), np)).toBe(false);
    expect(bypassProxy(new URL('http://10.0.0.1:8080/x'), np)).toBe(true);
    expect(bypassProxy(new URL('http://10.0.0.1/x'), np)).toBe(false);
    expect(bypassProxy(new URL('https://any/x'), ['*'])).toBe(true);
  });
});

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('downloads through a CONNECT proxy', () => {
  const tmp = tempDir('vzbuild-proxy-');
  let repo: RepoServer;
  let proxy: http.Server;
  let proxyUrl: string;
  const tunnels: string[] = [];
  beforeAll(async () => {
    repo = await serveRepo(makeRepo(join(tmp.path, 'repo'), 3));
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, client: net.Socket, head) => {
      tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const up = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await repo?.close();
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    tmp.cleanup();
  });

  it('tunnels through http_proxy, and not for no_proxy hosts', async () => {
    const lock = lockFromRepo(join(tmp.path, 'repo'), repo.url);
    const r = await fetchLock(lock, [recipeRepo('test', [repo.url])], testCtx(join(tmp.path, 'c1'), { http_proxy: proxyUrl }), { http: FAST_HTTP });
    expect(r.stats.downloaded).toBe(3);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((t) => t === `127.0.0.1:${repo.port}`)).toBe(true);
    tunnels.splice(0);
    await fetchLock(lock, [recipeRepo('test', [repo.url])], testCtx(join(tmp.path, 'c2'), { http_proxy: proxyUrl, no_proxy: '127.0.0.1' }), { http: FAST_HTTP });
    expect(tunnels).toEqual([]);
  });
});

describe('package lock', () => {
  const tmp = tempDir('vzbuild-lock-');
  afterAll(() => tmp.cleanup());

  it('breaks a lock whose holder is a dead process on this host', async () => {
    const path = join(tmp.path, 'dead.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), time: 1 }));
    const l = await acquireLock(path);
    await l.release();
  });

  it('breaks a lock whose heartbeat stopped (another host)', async () => {
    const path = join(tmp.path, 'remote.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', time: 1 }));
    const { utimesSync } = await import('node:fs');
    utimesSync(path, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const l = await acquireLock(path, { staleMs: 60_000 });
    await l.release();
  });

  it('waits for a live holder and takes the lock when it is released', async () => {
    const path = join(tmp.path, 'live.lock');
    const first = await tryLock(path);
    if (!('release' in first)) throw new Error('expected to take a free lock');
    let waited = false;
    const second = acquireLock(path, { onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 100));
    expect(waited).toBe(true);
    await first.release();
    const l = await second;
    await l.release();
  });
});

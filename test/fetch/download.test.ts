// Downloads against a real HTTP server on 127.0.0.1 serving a real repo (stub RPMs +
// createrepo_c) that misbehaves on request: each fault is survived by failover or resume,
// or ends with an error naming the package and every mirror tried; the cache never holds
// an unverified file.
import { copyFileSync, existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import type { Lockfile } from '../../builder/model/lockfile.js';
import { formatNevra } from '../../builder/model/package.js';
import { tempDir, tools } from '../helpers/env.js';
import { serveRepo, type RepoServer } from '../helpers/http-server.js';
import { lockFromRepo, makeRepo } from './fixture.js';
import { assertCacheVerified, FAST_HTTP, recipeRepo, sha256File, testCtx } from './setup.js';

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('fetch from misbehaving mirrors', () => {
  const tmp = tempDir('vzbuild-fetch-');
  let repoDir: string;
  let a: RepoServer;
  let b: RepoServer;
  let lock: Lockfile;
  let cacheN = 0;
  const newCache = () => join(tmp.path, `cache-${cacheN++}`);
  const repos = () => [recipeRepo('test', [a.url, b.url])];
  const pkgRequests = (s: RepoServer) => s.requests.filter((r) => r.path.endsWith('.rpm'));

  beforeAll(async () => {
    repoDir = makeRepo(join(tmp.path, 'repo'), 24);
    a = await serveRepo(repoDir);
    b = await serveRepo(repoDir);
    lock = lockFromRepo(repoDir, a.url);
  });
  afterEach(() => {
    for (const s of [a, b]) {
      s.clearFaults();
      s.requests.splice(0);
    }
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    tmp.cleanup();
  });

  it('fetches every package into packages/<sha256>.rpm, then a warm run costs no request', async () => {
    const cache = newCache();
    const ctx = testCtx(cache);
    const cold = await fetchLock(lock, repos(), ctx, { http: FAST_HTTP });
    expect(cold.packages).toHaveLength(lock.packages.length);
    expect(cold.stats.downloaded).toBe(lock.packages.length);
    for (const [i, p] of cold.packages.entries()) {
      expect(p.nevra).toBe(formatNevra(lock.packages[i]));
      expect(p.path).toBe(join(cache, 'packages', `${p.sha256}.rpm`));
      expect(`sha256:${sha256File(p.path)}`).toBe(lock.packages[i].checksum);
      expect(p.fromCache).toBe(false);
    }
    expect(assertCacheVerified(cache)).toBe(lock.packages.length);
    // gpgcheck: false is explicit and said out loud.
    expect(ctx.rec.warnings.join('\n')).toMatch(/repo test: gpgcheck: false/);
    expect(ctx.rec.events.some((e) => e.event === 'fetch-file')).toBe(true);

    a.requests.splice(0);
    const warm = await fetchLock(lock, repos(), testCtx(cache), { http: FAST_HTTP });
    expect(warm.packages.every((p) => p.fromCache)).toBe(true);
    expect(warm.stats.cached).toBe(lock.packages.length);
    expect(a.requests.length + b.requests.length).toBe(0);
    // Offline (cache only) works now, too.
    const offline = await fetchLock(lock, repos(), testCtx(cache), { offline: true });
    expect(offline.stats.cached).toBe(lock.packages.length);
  });

  it('offline mode names every missing package', async () => {
    const err = await fetchLock(lock, repos(), testCtx(newCache()), { offline: true }).catch((e) => e);
    expect(err.code).toBe('E_OFFLINE');
    for (const p of lock.packages.slice(0, 3)) expect(err.message).toContain(formatNevra(p));
    expect(a.requests.length + b.requests.length).toBe(0);
  });

  it('fails over from a mirror answering 503', async () => {
    const victim = lock.packages[3];
    a.fault({ match: victim.location, fault: '503' });
    const cache = newCache();
    const r = await fetchLock(lock, repos(), testCtx(cache), { http: FAST_HTTP, retries: 0 });
    expect(r.stats.downloaded).toBe(lock.packages.length);
    expect(pkgRequests(b).map((x) => x.path)).toContain('/' + victim.location);
    expect(assertCacheVerified(cache)).toBe(lock.packages.length);
  });

  for (const fault of ['reset', 'truncate', 'stall'] as const) {
    it(`resumes with Range after a ${fault} mid-transfer`, async () => {
      const victim = lock.packages.reduce((x, y) => (y.size > x.size ? y : x));
      a.fault({ match: victim.location, fault, times: 1 });
      const cache = newCache();
      const r = await fetchLock({ ...lock, packages: [victim] }, repos(), testCtx(cache), { http: { ...FAST_HTTP, idleTimeoutMs: 400 }, retries: 0 });
      expect(r.stats.retries).toBeGreaterThanOrEqual(1);
      const reqs = pkgRequests(a);
      expect(reqs.length).toBe(2);
      expect(reqs[1].range).toMatch(/^bytes=\d+-$/);
      expect(reqs[1].status).toBe(206);
      expect(`sha256:${sha256File(r.packages[0].path)}`).toBe(victim.checksum);
      expect(pkgRequests(b)).toHaveLength(0);
    });
  }

  it('the got transport survives the same faults (503 failover, reset + resume)', async () => {
    const big = lock.packages.reduce((x, y) => (y.size > x.size ? y : x));
    const other = lock.packages[2];
    a.fault({ match: big.location, fault: 'reset', times: 1 });
    a.fault({ match: other.location, fault: '503' });
    const cache = newCache();
    const r = await fetchLock({ ...lock, packages: [big, other] }, repos(), testCtx(cache), { http: { ...FAST_HTTP, transport: 'got' }, retries: 0 });
    expect(r.stats.downloaded).toBe(2);
    expect(pkgRequests(a).filter((q) => q.path.includes(big.location)).map((q) => q.status)).toEqual([200, 206]);
    expect(pkgRequests(b).map((q) => q.path)).toEqual(['/' + other.location]);
    expect(assertCacheVerified(cache)).toBe(2);
  });

  it('restarts from 0 when a resumed request ignores Range', async () => {
    const victim = lock.packages.reduce((x, y) => (y.size > x.size ? y : x));
    a.fault({ match: victim.location, fault: 'reset', times: 1 });
    a.fault({ match: victim.location, fault: 'ignore-range', times: 1 });
    const cache = newCache();
    const r = await fetchLock({ ...lock, packages: [victim] }, repos(), testCtx(cache), { http: FAST_HTTP, retries: 0 });
    const reqs = pkgRequests(a);
    expect(reqs[1].range).toBeDefined();
    expect(reqs[1].status).toBe(200);
    expect(`sha256:${sha256File(r.packages[0].path)}`).toBe(victim.checksum);
    expect(assertCacheVerified(cache)).toBe(1);
  });

  it('drops a mirror serving wrong bytes and takes the file from the next', async () => {
    const victim = lock.packages[5];
    a.fault({ match: victim.location, fault: 'wrong-bytes' });
    const cache = newCache();
    const ctx = testCtx(cache);
    const r = await fetchLock({ ...lock, packages: [victim] }, repos(), ctx, { http: FAST_HTTP });
    expect(pkgRequests(a)).toHaveLength(1);
    expect(pkgRequests(b)).toHaveLength(1);
    expect(`sha256:${sha256File(r.packages[0].path)}`).toBe(victim.checksum);
    expect(ctx.rec.events.find((e) => e.event === 'fetch-retry')?.reason).toMatch(/wrong bytes/);
  });

  it('drops a trickling mirror (below the minimum rate)', async () => {
    const victim = lock.packages.reduce((x, y) => (y.size > x.size ? y : x));
    a.fault({ match: victim.location, fault: 'trickle' });
    const r = await fetchLock({ ...lock, packages: [victim] }, repos(), testCtx(newCache()), { http: { ...FAST_HTTP, minRate: 50_000, lowSpeedWindowMs: 300 }, retries: 0 });
    expect(`sha256:${sha256File(r.packages[0].path)}`).toBe(victim.checksum);
    expect(pkgRequests(b).length).toBeGreaterThanOrEqual(1);
  });

  it('fails naming the package and every mirror with its failure; caches nothing unverified', async () => {
    const victim = lock.packages[7];
    a.fault({ match: victim.location, fault: '503' });
    b.fault({ match: victim.location, fault: 'wrong-bytes' });
    const cache = newCache();
    const err = await fetchLock({ ...lock, packages: [victim] }, repos(), testCtx(cache), { http: FAST_HTTP, retries: 1, backoffMs: 10 }).catch((e) => e);
    expect(err.code).toBe('E_FETCH');
    expect(err.message).toContain(formatNevra(victim));
    expect(err.message).toContain(`${a.url}: HTTP 503 (2 attempts)`);
    expect(err.message).toMatch(new RegExp(`${b.url}: wrong bytes: sha256 is [0-9a-f]{64}, expected ${victim.checksum}`));
    expect(assertCacheVerified(cache)).toBe(0);
    // The wrong bytes were discarded, not kept for a later resume.
    const left = readdirSync(join(cache, 'packages', '.partial')).filter((n) => n.endsWith('.part'));
    for (const n of left) expect(statSync(join(cache, 'packages', '.partial', n)).size).toBe(0);
  });

  it('resumes a partial file left behind by a dead process', async () => {
    const victim = lock.packages.reduce((x, y) => (y.size > x.size ? y : x));
    const cache = newCache();
    const hex = victim.checksum.slice('sha256:'.length);
    const part = join(cache, 'packages', '.partial', `sha256-${hex}.999999.part`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(cache, 'packages', '.partial'), { recursive: true });
    copyFileSync(join(repoDir, victim.location), part);
    truncateSync(part, Math.floor(victim.size / 3));
    const r = await fetchLock({ ...lock, packages: [victim] }, repos(), testCtx(cache), { http: FAST_HTTP });
    expect(pkgRequests(a)[0].range).toBe(`bytes=${Math.floor(victim.size / 3)}-`);
    expect(r.stats.bytesResumed).toBe(Math.floor(victim.size / 3));
    expect(`sha256:${sha256File(r.packages[0].path)}`).toBe(victim.checksum);
    expect(existsSync(part)).toBe(false);
  });

  it('reaches sha1-only repos through an alias, and hits the cache through it', async () => {
    const dir = makeRepo(join(tmp.path, 'repo-sha1'), 4, 'sha1');
    const s = await serveRepo(dir);
    try {
      const l = lockFromRepo(dir, s.url, 'old');
      expect(l.packages[0].checksum).toMatch(/^sha1:[0-9a-f]{40}$/);
      const cache = newCache();
      const r = await fetchLock(l, [recipeRepo('old', [s.url])], testCtx(cache), { http: FAST_HTTP });
      for (const p of r.packages) expect(p.path).toBe(join(cache, 'packages', `${sha256File(p.path)}.rpm`));
      s.requests.splice(0);
      const warm = await fetchLock(l, undefined, testCtx(cache), { offline: true });
      expect(warm.packages.map((p) => p.path)).toEqual(r.packages.map((p) => p.path));
      expect(s.requests).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('fetches from a lock alone (its base URL), warning that signatures are not checked', async () => {
    const ctx = testCtx(newCache());
    const r = await fetchLock(lock, undefined, ctx, { http: FAST_HTTP });
    expect(r.stats.downloaded).toBe(lock.packages.length);
    expect(pkgRequests(b)).toHaveLength(0);
    expect(ctx.rec.warnings.join('\n')).toMatch(/signatures are not checked/);
  });
});

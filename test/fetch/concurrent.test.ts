// Two real vzbuild processes fetching the same lock into one cache at the same time: each
// package is downloaded exactly once (the other process waits for its peer's lock and takes
// the cached file), both succeed, and the cache holds only verified files.
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir, tools } from '../helpers/env.js';
import { serveRepo } from '../helpers/http-server.js';
import { lockFromRepo, makeRepo } from './fixture.js';
import { assertCacheVerified } from './setup.js';

const run = promisify(execFile);

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('two processes sharing a cache', () => {
  const tmp = tempDir('vzbuild-conc-');
  afterAll(() => tmp.cleanup());

  it('never double-downloads or corrupts a package', async () => {
    const dir = makeRepo(join(tmp.path, 'repo'), 16);
    const s = await serveRepo(dir);
    try {
      s.fault({ match: '.rpm', fault: 'delay' });
      const lock = lockFromRepo(dir, s.url);
      const lockPath = join(tmp.path, 'lock.json');
      writeFileSync(lockPath, JSON.stringify(lock));
      const cache = join(tmp.path, 'cache');
      const start = join(tmp.path, 'go');
      const worker = join(REPO_ROOT, 'test', 'fetch', 'worker.ts');
      const spawn = () => run(process.execPath, ['--import', 'tsx', worker, lockPath, cache, start, s.url], { cwd: REPO_ROOT });
      const both = Promise.all([spawn(), spawn()]);
      // Wait until both processes are loaded, then release them together.
      while (readdirSync(tmp.path).filter((n) => n.startsWith('go.ready-')).length < 2) await new Promise((r) => setTimeout(r, 20));
      writeFileSync(start, '');
      const outs = (await both).map((o) => JSON.parse(o.stdout));
      const rpmRequests = s.requests.filter((r) => r.path.endsWith('.rpm'));
      expect(rpmRequests).toHaveLength(lock.packages.length);
      expect(new Set(rpmRequests.map((r) => r.path)).size).toBe(lock.packages.length);
      expect(outs[0].stats.downloaded + outs[1].stats.downloaded).toBe(lock.packages.length);
      for (const o of outs) expect(o.stats.downloaded + o.stats.cached).toBe(lock.packages.length);
      // They really raced: one waited on the other's package lock at least once.
      expect(outs[0].waits + outs[1].waits).toBeGreaterThan(0);
      expect(assertCacheVerified(cache)).toBe(lock.packages.length);
      // No lock files or partial downloads are left behind.
      expect(readdirSync(join(cache, 'locks', 'packages'))).toEqual([]);
      expect(readdirSync(join(cache, 'packages', '.partial')).filter((n) => n.endsWith('.part'))).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

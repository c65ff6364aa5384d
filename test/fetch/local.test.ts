// A file:// mirror (a local repo or a mount) takes the copy path, not the HTTP one: the same
// rules must hold there — the lock's size and checksum checked, a missing file fails over,
// bad bytes never reach the cache, a partial copy resumes — checked against real stub RPMs.
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lockfile } from '../../builder/model/lockfile.js';
import { formatNevra } from '../../builder/model/package.js';
import { fetchLock } from '../../builder/pipeline/fetch.js';
import { tempDir, tools } from '../helpers/env.js';
import { lockFromRepo, makeRepo } from './fixture.js';
import { assertCacheVerified, recipeRepo, sha256File, testCtx } from './setup.js';

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('fetch from a file:// mirror', () => {
  const tmp = tempDir('vzbuild-fetch-local-');
  let good: string;
  let lock: Lockfile;
  let n = 0;
  const newCache = () => join(tmp.path, `cache-${n++}`);
  const url = (dir: string) => pathToFileURL(dir).href + '/';

  beforeAll(() => {
    good = makeRepo(join(tmp.path, 'repo'), 12);
    lock = lockFromRepo(good, url(good));
  });
  afterAll(() => tmp.cleanup());

  it('copies and verifies every package; a second run is all cache hits', async () => {
    const cache = newCache();
    const r = await fetchLock(lock, [recipeRepo('test', [url(good)])], testCtx(cache), {});
    expect(r.stats.downloaded).toBe(lock.packages.length);
    for (const [i, p] of r.packages.entries()) {
      expect(p.path).toBe(join(cache, 'packages', `${p.sha256}.rpm`));
      expect(`sha256:${sha256File(p.path)}`).toBe(lock.packages[i].checksum);
    }
    expect(assertCacheVerified(cache)).toBe(lock.packages.length);
    // A hit marks the package used now (its mtime), so gc keeps what builds keep using.
    const monthAgo = new Date(Date.now() - 30 * 86_400_000);
    for (const p of r.packages) utimesSync(p.path, monthAgo, monthAgo);
    const before = Date.now() - 1000;
    const warm = await fetchLock(lock, [recipeRepo('test', [url(good)])], testCtx(cache), {});
    expect(warm.stats.cached).toBe(lock.packages.length);
    for (const p of warm.packages) expect(statSync(p.path).mtimeMs).toBeGreaterThan(before);
  });

  it('fails over past a mirror missing the file, one with other bytes of the right size, and one of the wrong size', async () => {
    const victim = lock.packages[2];
    const mk = (name: string, edit: (file: string) => void) => {
      const dir = join(tmp.path, name);
      mkdirSync(join(dir, 'Packages'), { recursive: true });
      const file = join(dir, victim.location);
      copyFileSync(join(good, victim.location), file);
      edit(file);
      return dir;
    };
    const missing = mk('missing', (f) => rmSync(f));
    const flipped = mk('flipped', (f) => writeFileSync(f, Buffer.alloc(victim.size, 0x5a)));
    const short = mk('short', (f) => truncateSync(f, victim.size - 1));
    const cache = newCache();
    const mirrors = [url(missing), url(flipped), url(short)];
    // The lock names a mirror too (its url): point it at a bad one.
    const only = { ...lock, repos: [{ ...lock.repos[0], url: url(missing) }], packages: [victim] };
    const err = await fetchLock(only, [recipeRepo('test', mirrors)], testCtx(cache), { retries: 0 }).catch((e) => e);
    expect(err.code).toBe('E_FETCH');
    expect(err.message).toContain(formatNevra(victim));
    expect(err.message).toContain(`${url(missing)}: HTTP 404`);
    expect(err.message).toMatch(new RegExp(`${url(flipped)}: wrong bytes: sha256 is [0-9a-f]{64}, expected ${victim.checksum}`));
    expect(err.message).toContain(`${url(short)}: serves ${victim.size - 1} bytes, the lock says ${victim.size}`);
    expect(assertCacheVerified(cache)).toBe(0);
    const partial = join(cache, 'packages', '.partial');
    for (const f of readdirSync(partial)) expect(statSync(join(partial, f)).size).toBe(0);

    // With a good mirror after the bad ones, the package arrives, verified.
    const ok = await fetchLock(only, [recipeRepo('test', [...mirrors, url(good)])], testCtx(cache), { retries: 0 });
    expect(`sha256:${sha256File(ok.packages[0].path)}`).toBe(victim.checksum);
  });

  it('resumes a partial copy and still checks every byte', async () => {
    const victim = lock.packages.reduce((x, y) => (y.size > x.size ? y : x));
    const hex = victim.checksum.slice('sha256:'.length);
    for (const [name, damage] of [
      ['clean', false],
      ['damaged', true],
    ] as const) {
      const cache = join(tmp.path, `resume-${name}`);
      const part = join(cache, 'packages', '.partial', `sha256-${hex}.999999.part`);
      mkdirSync(join(cache, 'packages', '.partial'), { recursive: true });
      copyFileSync(join(good, victim.location), part);
      truncateSync(part, Math.floor(victim.size / 2));
      // A damaged prefix is only caught by the final checksum: the retry starts over from 0.
      if (damage) writeFileSync(part, Buffer.alloc(16, 0xff), { flag: 'r+' });
      const r = await fetchLock({ ...lock, packages: [victim] }, [recipeRepo('test', [url(good)])], testCtx(cache), { retries: 1, backoffMs: 1 });
      expect(`sha256:${sha256File(r.packages[0].path)}`).toBe(victim.checksum);
      expect(r.stats.bytesResumed).toBe(Math.floor(victim.size / 2));
    }
  });
});

// The parsed-header cache: what comes back is what the parser made (real stub RPMs of the
// RHEL 6 closure), at the package's current path; torn, foreign or old-format files are
// misses, never errors or wrong packages.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { readInstallPackage } from '../../builder/assemble/from-rpm.js';
import { HEADER_CACHE_VERSION, openHeaderCache, pruneHeaderCaches } from '../../builder/assemble/header-cache.js';
import { hashFile } from '../../cache/index.js';
import { tempDir, tools } from '../helpers/env.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';

describe.skipIf(!tools('rpmbuild', 'createrepo_c'))('assemble: parsed-header cache', () => {
  const tmp = tempDir('vzbuild-hdrcache-');
  afterAll(tmp.cleanup);

  it('gives back exactly what the parser made, at the path asked for; bad files are misses', async () => {
    const pkgDir = join(rhel6CoreStubRepo(), 'Packages');
    const paths = readdirSync(pkgDir).filter((n) => /^(glibc|filesystem|bash)-\d.*\.x86_64\.rpm$/.test(n)).map((n) => join(pkgDir, n));
    expect(paths).toHaveLength(3);
    const cache = openHeaderCache(tmp.path, '1.2.3');
    const pkgs = [];
    for (const path of paths) {
      const { sha256: sha } = await hashFile(path);
      const p = await readInstallPackage(path, sha);
      expect(cache.get(sha, path)).toBeUndefined();
      cache.put(p);
      pkgs.push(p);
    }
    const [dir] = readdirSync(tmp.path);
    expect(dir).toBe(`v${HEADER_CACHE_VERSION}-1.2.3`);
    for (const p of pkgs) expect(cache.get(p.sha256, '/elsewhere/x.rpm')).toStrictEqual({ ...p, path: '/elsewhere/x.rpm' });

    // Another tool version does not see them.
    expect(openHeaderCache(tmp.path, '1.2.4').get(pkgs[0].sha256, 'x')).toBeUndefined();
    // A torn file, one naming another package, one of an old format: misses.
    const [a, b, c] = pkgs;
    writeFileSync(join(tmp.path, dir, a.sha256), serialize({ v: HEADER_CACHE_VERSION, sha256: a.sha256, pkg: a }).subarray(0, 1000));
    writeFileSync(join(tmp.path, dir, b.sha256), serialize({ v: HEADER_CACHE_VERSION, sha256: c.sha256, pkg: c }));
    writeFileSync(join(tmp.path, dir, c.sha256), serialize({ v: HEADER_CACHE_VERSION - 1, sha256: c.sha256, pkg: c }));
    for (const p of pkgs) expect(cache.get(p.sha256, p.path)).toBeUndefined();
    // and a put repairs them
    cache.put(a);
    expect(cache.get(a.sha256, a.path)).toStrictEqual(a);

    // gc removes the caches of other versions, keeps this one's and anything not a cache dir.
    const other = join(tmp.path, `v${HEADER_CACHE_VERSION}-1.2.2`);
    mkdirSync(other);
    writeFileSync(join(other, a.sha256), 'x');
    mkdirSync(join(tmp.path, 'notes'));
    expect(await pruneHeaderCaches(tmp.path, '1.2.3', true)).toEqual([other]);
    expect(existsSync(other)).toBe(true);
    expect(await pruneHeaderCaches(tmp.path, '1.2.3')).toEqual([other]);
    expect(readdirSync(tmp.path).sort()).toEqual(['notes', dir]);
    // A cache whose directory vanished under it (gc of an older version's cache while that
    // version builds) misses and skips writes; it never fails the build.
    const gone = openHeaderCache(join(tmp.path, 'gone'), '9');
    gone.put(a);
    expect(gone.get(a.sha256, a.path)).toStrictEqual(a);
    await pruneHeaderCaches(join(tmp.path, 'gone'), '10');
    expect(() => gone.put(b)).not.toThrow();
    expect(gone.get(b.sha256, b.path)).toBeUndefined();
  });
});

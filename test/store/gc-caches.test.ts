// gc beyond the store: cached packages, parsed headers, parsed metadata and cached answers
// are removed once nothing has used them for --max-age days, unless a live root was built
// from them; other cache versions go whole; a running build (package-use lock) makes gc
// wait rather than pull a package from under it. On a real cache dir layout, through the
// same entry point the CLI uses, and the CLI's flags end to end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheLayout, openStore, registerRoot, storePaths } from '../../cache/index.js';
import { lockPackageUse, packageCache } from '../../cache/packages.js';
import { headerCacheDir } from '../../builder/assemble/header-cache.js';
import { makeCtx } from '../../builder/context.js';
import { collectGarbage } from '../../builder/pipeline/gc.js';
import { RESOLVE_CACHE_VERSION } from '../../builder/pipeline/resolve.js';
import { CODEC_VERSION } from '../../builder/repo/packages-codec.js';
import { resolveSettings } from '../../builder/settings.js';
import { toolVersion } from '../../builder/version.js';
import { BIN, tempDir } from '../helpers/env.js';

const DAY = 86_400_000;
const sha = (c: string) => c.repeat(64);
let tmp: ReturnType<typeof tempDir>;
let cacheDir: string;

function file(path: string, content: string, ageDays = 0): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  const t = new Date(Date.now() - ageDays * DAY);
  utimesSync(path, t, t);
  return path;
}

const ctx = () => makeCtx({ settings: resolveSettings({ cacheDir }, {}), env: {} });

/** A cache dir as builds leave it: old and fresh packages, one in a live root, derived files. */
async function populate() {
  const l = cacheLayout(cacheDir);
  const pc = packageCache(cacheDir);
  const pkg = (c: string, age: number) => file(join(pc.dir, `${sha(c)}.rpm`), `rpm ${c}`, age);
  const p = { old: pkg('a', 30), live: pkg('b', 30), fresh: pkg('c', 1) };
  mkdirSync(join(pc.dir, 'by-sha1'), { recursive: true });
  symlinkSync(`../${sha('a')}.rpm`, join(pc.dir, 'by-sha1', '1'.repeat(40)));
  symlinkSync(`../${sha('c')}.rpm`, join(pc.dir, 'by-sha1', '2'.repeat(40)));
  const marks = { old: file(join(pc.dir, 'verified', `${sha('a')}.F00D`), '', 30), fresh: file(join(pc.dir, 'verified', `${sha('c')}.F00D`), '', 1) };
  const partial = { old: file(join(pc.partial, 'sha256-x.1.part'), 'xx', 30), fresh: file(join(pc.partial, 'sha256-y.2.part'), 'yy') };
  // The live root: a kept checkout built from package b.
  await (await openStore(l.store)).close();
  const checkout = join(l.checkouts, 'el-9-x86_64-0123');
  mkdirSync(checkout, { recursive: true });
  await registerRoot(storePaths(l.store).roots, { id: 'el-9-x86_64-0123', path: checkout, packages: [{ rpmSha256: sha('b'), importer: 'rpm-v1' }], keys: [] });

  const hdir = headerCacheDir(l.headers, await toolVersion());
  const headers = { old: file(join(hdir, sha('a')), 'h', 30), live: file(join(hdir, sha('b')), 'h', 30), fresh: file(join(hdir, sha('c')), 'h', 30) };
  const otherVersion = file(join(l.headers, 'v1-0.0.1', sha('c')), 'h');
  const repo = join(l.metadata, `repo-v${CODEC_VERSION}`);
  const meta = {
    old: file(join(repo, `primary-sha256-${'d'.repeat(64)}.vzrc`), 'm'.repeat(100), 10),
    fresh: file(join(repo, `primary-sha256-${'e'.repeat(64)}.vzrc`), 'm', 2),
    otherVersion: file(join(l.metadata, 'repo-v1', 'primary.vzrc'), 'm'.repeat(50)),
    answerOld: file(join(l.metadata, `resolve-v${RESOLVE_CACHE_VERSION}`, `${'f'.repeat(64)}.json`), '{}', 9),
    answerFresh: file(join(l.metadata, `resolve-v${RESOLVE_CACHE_VERSION}`, `${'9'.repeat(64)}.json`), '{}'),
    notOurs: file(join(l.metadata, 'notes.txt'), 'keep me', 90),
  };
  return { pc, p, marks, partial, headers, otherVersion, meta };
}

beforeEach(() => {
  tmp = tempDir('vzbuild-gc-caches-');
  cacheDir = join(tmp.path, 'cache');
});
afterEach(() => tmp.cleanup());

describe('gc of the caches that only grow', () => {
  it('removes what nothing used for --max-age days, keeps what a live root needs; a dry run removes nothing', async () => {
    const f = await populate();
    const all = [...Object.values(f.p), ...Object.values(f.marks), ...Object.values(f.partial), ...Object.values(f.headers), f.otherVersion, ...Object.values(f.meta)];

    const dry = await collectGarbage(ctx(), { dryRun: true, maxAgeDays: 7 });
    expect(dry.packages).toEqual({ removed: 2, bytes: 'rpm a'.length + 2, kept: 2 }); // package a + the old partial
    for (const x of all) expect(existsSync(x), x).toBe(true);

    const r = await collectGarbage(ctx(), { maxAgeDays: 7 });
    expect(r.packages).toEqual(dry.packages);
    expect(existsSync(f.p.old)).toBe(false);
    expect(existsSync(f.p.live)).toBe(true); // 30 days unused, but the kept checkout was built from it
    expect(existsSync(f.p.fresh)).toBe(true);
    // What pointed only at the removed package goes with it.
    expect(existsSync(join(f.pc.dir, 'by-sha1', '1'.repeat(40)))).toBe(false);
    expect(existsSync(join(f.pc.dir, 'by-sha1', '2'.repeat(40)))).toBe(true);
    expect(existsSync(f.marks.old)).toBe(false);
    expect(existsSync(f.marks.fresh)).toBe(true);
    expect(existsSync(f.partial.old)).toBe(false);
    expect(existsSync(f.partial.fresh)).toBe(true);
    // Parsed headers follow their package (not their own age); other versions go whole.
    expect([f.headers.old, f.headers.live, f.headers.fresh].map(existsSync)).toEqual([false, true, true]);
    expect(r.headers.removed).toBe(1);
    expect(existsSync(f.otherVersion)).toBe(false);
    expect(r.headers.oldVersions).toHaveLength(1);
    // Metadata and answers by last use; another format version whole; foreign files stay.
    expect([f.meta.old, f.meta.fresh, f.meta.otherVersion, f.meta.answerOld, f.meta.answerFresh, f.meta.notOurs].map(existsSync)).toEqual([false, true, false, false, true, true]);
    expect(r.metadata).toEqual({ removed: 2, bytes: 150, kept: 1 });
    expect(r.resolveAnswers).toEqual({ removed: 1, bytes: 2, kept: 1 });

    // Nothing left to do: a second gc removes nothing.
    const again = await collectGarbage(ctx(), { maxAgeDays: 7 });
    expect([again.packages.removed, again.headers.removed, again.metadata.removed, again.resolveAnswers.removed]).toEqual([0, 0, 0, 0]);
  });

  it('--max-age 0 removes every cached package no live root uses', async () => {
    const f = await populate();
    await collectGarbage(ctx(), { maxAgeDays: 0 });
    expect([f.p.old, f.p.live, f.p.fresh].map(existsSync)).toEqual([false, true, false]);
    expect(existsSync(join(f.pc.dir, 'by-sha1', '2'.repeat(40)))).toBe(false);
  });

  it('waits for a running build (package-use lock held shared), then fails with E_STORE_BUSY', async () => {
    const f = await populate();
    const build = await lockPackageUse(f.pc, 'shared');
    try {
      const err = await collectGarbage(ctx(), { maxAgeDays: 0, lockTimeoutMs: 300 }).catch((e) => e);
      expect(err.code).toBe('E_STORE_BUSY');
      expect(existsSync(f.p.old)).toBe(true);
    } finally {
      await build.release();
    }
    await collectGarbage(ctx(), { maxAgeDays: 0 });
    expect(existsSync(f.p.old)).toBe(false);
  });

  it('the CLI: --max-age, --dry-run, a report per cache, and a clear error for a bad age', async () => {
    const f = await populate();
    const run = (...args: string[]) => spawnSync(BIN, ['--cache-dir', cacheDir, ...args], { encoding: 'utf8' });
    const dry = run('gc', '--dry-run', '--max-age', '14');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^packages: would remove 2 .* unused for 14 day\(s\)/m);
    expect(dry.stdout).toMatch(/^metadata: would remove 1 parsed file\(s\)/m);
    expect(existsSync(f.p.old)).toBe(true);
    const json = run('--json', 'gc');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ maxAgeDays: 7, packages: { removed: 2, kept: 2 }, headers: { removed: 1 } });
    const bad = run('gc', '--max-age', 'soon');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-age "soon"');
  });
});

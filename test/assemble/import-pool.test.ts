// Imports through worker threads (import-pool.ts) against imports on the calling thread:
// the same entries and objects (modes incl. suid and read-only, mtimes, a body big enough
// to stream), indexes published only by the caller's sync, and an import failure that
// crosses the thread boundary with its code and message intact without hanging the rest.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, packageIndexPath, type TreeEntry } from '../../cache/index.js';
import { BuilderError } from '../../builder/errors.js';
import { readInstallPackage } from '../../builder/assemble/from-rpm.js';
import { ASSEMBLE_IMPORTER } from '../../builder/assemble/import.js';
import { startImports } from '../../builder/assemble/import-pool.js';
import type { InstallPackage } from '../../builder/assemble/types.js';
import { tempDir, tools } from '../helpers/env.js';
import { buildRpm } from './build-rpm.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe.skipIf(!tools('rpm', 'rpmbuild', 'zstd'))('import pool', () => {
  const tmp = tempDir('vzbuild-import-pool-');
  let pkgs: InstallPackage[];
  let broken: InstallPackage;
  beforeAll(async () => {
    const work = join(tmp.path, 'build');
    // Not compressible, so the payload stays big: the store streams it instead of buffering.
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i += 32) createHash('sha256').update(String(i)).digest().copy(big, i);
    const paths = [
      buildRpm(work, {
        name: 'modes',
        files: [
          { path: '/usr/bin/su-ish', content: '#!/bin/sh\n', mode: '4755' },
          { path: '/etc/readonly', content: 'ro\n', mode: '0444' },
          { path: '/etc/plain', content: 'plain\n' },
          { path: '/var/empty-dir', type: 'dir' },
          { path: '/usr/bin/link', type: 'symlink', target: 'su-ish' },
        ],
      }),
      buildRpm(work, { name: 'bigfile', files: [{ path: '/usr/share/big.bin', content: big }] }),
      buildRpm(work, { name: 'small', files: [{ path: '/etc/small.conf', content: 'x=1\n' }] }),
    ];
    pkgs = await Promise.all(paths.map((p) => readInstallPackage(p, sha(p))));
    // Damage the payload (the header stays readable): the import itself fails.
    const bad = join(tmp.path, 'broken.rpm');
    const bytes = readFileSync(paths[2]);
    for (let i = bytes.length - 30; i < bytes.length - 10; i++) bytes[i] ^= 0x5a;
    writeFileSync(bad, bytes);
    broken = { ...pkgs[2], path: bad, sha256: sha(bad) };
  }, 300_000);
  afterAll(tmp.cleanup);

  async function importAll(dir: string, list: InstallPackage[], workers: number) {
    const store = await openStore(dir);
    const pool = await startImports(store, list, { workers });
    try {
      const settled = await pool.settled().then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      const entries = await Promise.all(list.map((p) => pool.entriesOf(p.sha256).catch((e: unknown) => e)));
      const publishedBeforeSync = list.map((p) => existsSync(packageIndexPath(store.root, p.sha256, ASSEMBLE_IMPORTER)));
      await pool.close();
      await store.sync();
      const published = list.map((p) => existsSync(packageIndexPath(store.root, p.sha256, ASSEMBLE_IMPORTER)));
      return { store, settled, entries, publishedBeforeSync, published };
    } finally {
      await pool.close();
      await store.close();
    }
  }

  it('gives the same entries and objects from a worker as on the calling thread', async () => {
    const here = await importAll(join(tmp.path, 'here'), pkgs, 0);
    const there = await importAll(join(tmp.path, 'there'), pkgs, 1);
    expect(here.settled).toEqual({ ok: true, r: { imported: 3, reused: 0 } });
    expect(there.settled).toEqual({ ok: true, r: { imported: 3, reused: 0 } });
    expect(there.entries).toEqual(here.entries);
    expect(there.publishedBeforeSync).toEqual([false, false, false]);
    expect(there.published).toEqual([true, true, true]);
    const files = (there.entries as TreeEntry[][]).flat().filter((e) => e.type === 'file' && e.key);
    expect(files.map((e) => e.path).sort()).toEqual(['etc/plain', 'etc/readonly', 'etc/small.conf', 'usr/bin/su-ish', 'usr/share/big.bin']);
    for (const e of files) {
      const st = lstatSync(there.store.pathOf(e.key!));
      expect((st.mode & 0o7777).toString(8), e.path).toBe(e.mode.toString(8));
      expect(Math.trunc(st.mtimeMs / 1000), e.path).toBe(e.mtime);
      expect(st.size, e.path).toBe(e.size);
    }
    expect(files.find((e) => e.path === 'usr/bin/su-ish')!.mode).toBe(0o4755);
    expect(files.find((e) => e.path === 'etc/readonly')!.mode).toBe(0o444);
    // A second run finds every package in the store and imports nothing.
    const again = await importAll(join(tmp.path, 'there'), pkgs, 1);
    expect(again.settled).toEqual({ ok: true, r: { imported: 0, reused: 3 } });
    expect(again.entries).toEqual(there.entries);
  });

  it('reports a failed import with its code and package, and settles the rest', async () => {
    for (const workers of [0, 1]) {
      const r = await importAll(join(tmp.path, `broken-${workers}`), [pkgs[0], broken, pkgs[1]], workers);
      expect(r.settled.ok).toBe(false);
      const err = (r.settled as { e: unknown }).e;
      expect(err).toBeInstanceOf(BuilderError);
      expect((err as BuilderError).code).toMatch(/^E_RPM_/);
      expect((err as Error).message).toContain('broken.rpm');
      expect(r.entries[1]).toBe(err);
      // The package before the failure is good: its import stands and is published.
      expect(r.published[0]).toBe(true);
      expect(r.published[1]).toBe(false);
    }
  });
});

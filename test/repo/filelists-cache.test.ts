// Lazy filelists (read only for paths outside primary's subset) and the parsed-metadata
// cache (a warm load equals the cold one and reads no XML; bad cache files are misses).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepo, localOpener, type MetadataOpener } from '../../builder/repo/index.js';
import { CODEC_VERSION } from '../../builder/repo/packages-codec.js';
import { fixture, REPO_ROOT, tempDir, tools } from '../helpers/env.js';

const RHEL6 = fixture('pulp_rpm', 'rhel6-test_comps_with_xz_compress');
const CUSTOM = fixture('osbuild-osbuild', 'testrepos', 'custom');
const cacheDir = tempDir('vzbuild-repo-cache-');
afterAll(() => cacheDir.cleanup());

/** A local opener that records what was opened. */
function recording(dir: string): { open: MetadataOpener; opened: string[] } {
  const base = localOpener(dir);
  const opened: string[] = [];
  return { opened, open: (href) => (opened.push(href), base(href)) };
}

const PATHS = ['/usr/bin/bash', '/etc/passwd', '/lib64/libc.so.6', '/usr/lib64/libz.so.1', '/usr/share/doc/bash-4.1.2/COPYING', '/no/such/file', '/usr/sbin/sendmail.sendmail'];

describe.skipIf(!tools('python3'))('filelists', () => {
  it('answers primary-subset paths without reading filelists, others from filelists (RHEL 6, vs ElementTree)', async () => {
    const { open, opened } = recording(RHEL6);
    const meta = await loadRepo({ id: 'rhel6', open, want: { comps: false } });
    expect((await meta.whoOwnsFile('/bin/bash')).map((p) => p.name)).toEqual(['bash']);
    expect(meta.filelistsLoaded()).toBe(false);
    expect(opened.some((h) => h.includes('filelists'))).toBe(false);

    const flFile = join(RHEL6, 'repodata', readdirSync(join(RHEL6, 'repodata')).find((n) => n.includes('-filelists.xml'))!);
    const ref = JSON.parse(execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'repo', 'read-filelists.py'), flFile, ...PATHS], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    for (const path of PATHS) {
      const ours = (await meta.whoOwnsFile(path)).map((p) => p.checksum.slice(5)).sort();
      expect(ours, path).toEqual(ref.owners[path]);
    }
    expect(meta.filelistsLoaded()).toBe(true);
    expect(ref.owners['/lib64/libc.so.6'].length).toBeGreaterThan(0);
    // The batch form answers the same, in one pass for the paths not seen yet.
    const more = [...PATHS, '/usr/lib64/libssl.so.10', '/usr/share/man/man1/ls.1.gz', '/lib/modules', '/usr/lib/locale', '/var/lib/rpm'];
    const ref2 = JSON.parse(execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'repo', 'read-filelists.py'), flFile, ...more], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    const batch = await meta.whoOwnsFiles(more);
    for (const path of more) expect(batch.get(path)!.map((p) => p.checksum.slice(5)).sort(), path).toEqual(ref2.owners[path]);
    let total = 0;
    for (const p of meta.packages) total += (await meta.filesOf(p)).length;
    expect(total).toBe(ref.files);
    expect(opened.filter((h) => h.includes('filelists'))).toHaveLength(1);
  });

  it('reads zstd primary and filelists (osbuild custom repo)', async () => {
    const meta = await loadRepo({ id: 'custom', open: localOpener(CUSTOM) });
    expect(meta.packages).toHaveLength(1);
    expect(meta.packages[0]).toMatchObject({
      name: 'pkg-with-no-deps', epoch: 0, version: '1.0.0', release: '0', arch: 'noarch',
      checksum: 'sha256:ef05a91ed8bf760cb4d31024c9b5345eda6c1cfd93a01b63b04d4bfa4839bc1c', location: 'pkg-with-no-deps-1.0.0-0.noarch.rpm',
      provides: [{ name: 'pkg-with-no-deps' }, { name: 'pkg-with-no-deps', sense: 'EQ', evr: { epoch: 0, version: '1.0.0', release: '0' } }],
      requires: [],
    });
    // This package has no files: the (zstd) filelists says so.
    expect(await meta.filesOf(meta.packages[0])).toEqual([]);
    expect(meta.filelistsLoaded()).toBe(true);
    expect(await meta.whoOwnsFile('/usr/share/anything')).toEqual([]);
  });
});

describe('parsed-metadata cache', () => {
  it('a warm load equals the cold one and opens only repomd.xml', async () => {
    const cold = await loadRepo({ id: 'rhel6', open: localOpener(RHEL6), cacheDir: cacheDir.path });
    await cold.whoOwnsFile('/lib64/libc.so.6'); // writes the filelists cache too
    await cold.settled(); // cache files are written in the background
    const { open, opened } = recording(RHEL6);
    const warm = await loadRepo({ id: 'rhel6', open, cacheDir: cacheDir.path });
    expect(opened).toEqual(['repodata/repomd.xml']);
    // every field, the lists too (made on first use from the cache)
    expect(JSON.parse(JSON.stringify(warm.packages))).toEqual(JSON.parse(JSON.stringify(cold.packages)));
    expect(warm.comps).toEqual(cold.comps);
    expect(warm.repomdChecksum).toBe(cold.repomdChecksum);
    // the owners of the repo's own file dependencies come with the warm load, as filelists tell them
    expect(cold.fileDepOwners).toBeUndefined();
    expect(warm.fileDepOwners!.size).toBeGreaterThan(10);
    for (const [path, owners] of warm.fileDepOwners!) {
      expect(path).not.toMatch(/^\/etc\/|bin\//);
      expect(owners.map((p) => p.checksum), path).toEqual((await cold.whoOwnsFile(path)).map((p) => p.checksum));
      expect(owners.every((p) => warm.packages.includes(p))).toBe(true);
    }
    expect(warm.filelistsLoaded()).toBe(false);
    expect((await warm.whoOwnsFile('/lib64/libc.so.6')).map((p) => p.name)).toEqual((await cold.whoOwnsFile('/lib64/libc.so.6')).map((p) => p.name));
    expect(opened).toEqual(['repodata/repomd.xml']);
    // Another repo id over the same files: the cache is keyed by content, ids are rewritten.
    const other = await loadRepo({ id: 'mirror2', open: localOpener(RHEL6), cacheDir: cacheDir.path, want: { comps: false } });
    expect(other.packages.every((p) => p.repo === 'mirror2')).toBe(true);
    await other.settled();
    const files = readdirSync(join(cacheDir.path, 'metadata', `repo-v${CODEC_VERSION}`));
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(files.map((f) => f.split('-')[0]).sort()).toEqual(['comps', 'filelists', 'fileowners', 'primary']);
  });

  it('a corrupt cache file is a miss: warned about, re-parsed and rewritten', async () => {
    const dir = join(cacheDir.path, 'metadata', `repo-v${CODEC_VERSION}`);
    const primary = readdirSync(dir).find((f) => f.startsWith('primary-'))!;
    const good = readFileSync(join(dir, primary));
    writeFileSync(join(dir, primary), good.subarray(0, good.length >> 1));
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const meta = await loadRepo({ id: 'rhel6', open: localOpener(RHEL6), cacheDir: cacheDir.path, want: { comps: false } }, { log });
    expect(meta.packages).toHaveLength(3657);
    await meta.settled();
    expect(warnings.join('\n')).toMatch(/ignoring unreadable metadata cache file .*primary-sha1-6b575c847d7974516d28d6185f315e0e85696d86\.vzrc: cache file is truncated/);
    expect(readFileSync(join(dir, primary)).equals(good)).toBe(true);
  });

  it('a cache that cannot be written costs a warning, not the load', async () => {
    const blocked = join(cacheDir.path, 'not-a-dir');
    writeFileSync(blocked, '');
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const meta = await loadRepo({ id: 'rhel6', open: localOpener(RHEL6), cacheDir: blocked, want: { comps: false } }, { log });
    expect(meta.packages).toHaveLength(3657);
    await meta.settled();
    expect(warnings.join('\n')).toMatch(/^repo rhel6: cannot write the metadata cache: .*ENOTDIR/);
  });
});

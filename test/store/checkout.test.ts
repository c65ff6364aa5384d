// Checkouts: hard links vs copies, empty files, replacement and merging across packages,
// symlinks planted by packages (usrmove and hostile ones), hard-link groups, device nodes,
// EXDEV fallback onto a real tmpfs, the link-count limit, and copy-up.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLink, checkoutTree, listRoots, makeRdev, openCheckout, openStore, type Store, type TreeEntry } from '../../cache/index.js';
import { IS_ROOT, tempDir } from '../helpers/env.js';

const T = 1_600_000_000;
const dir = (path: string, mode = 0o755): TreeEntry => ({ path, type: 'dir', mode, uid: 0, gid: 0, mtime: T, size: 0 });
const sym = (path: string, linkTarget: string): TreeEntry => ({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T, size: 0, linkTarget });

let tmp: ReturnType<typeof tempDir>;
let store: Store;
async function file(path: string, content: string, mode = 0o644, extra: Partial<TreeEntry> = {}): Promise<TreeEntry> {
  const meta = { mode, uid: extra.uid ?? 0, gid: extra.gid ?? 0, mtime: T, xattrs: extra.xattrs };
  const size = Buffer.byteLength(content);
  const key = size ? (await store.addBuffer(Buffer.from(content), meta)).key : undefined;
  return { path, type: 'file', mode, uid: meta.uid, gid: meta.gid, mtime: T, size, key, ...extra };
}

beforeAll(async () => {
  tmp = tempDir('vzbuild-checkout-');
  store = await openStore(join(tmp.path, 'store'));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

describe('checkoutTree', () => {
  it('hard-links files from the store, creates empty files, dirs, symlinks, hard-link groups', async () => {
    const target = join(tmp.path, 'co1');
    const ls = await file('usr/bin/ls', 'ELF ls', 0o755);
    const entries: TreeEntry[] = [
      dir('usr'),
      dir('usr/bin'),
      ls,
      { ...ls, path: 'usr/bin/dir', type: 'hardlink', linkTarget: 'usr/bin/ls', key: undefined },
      await file('usr/bin/empty', '', 0o600),
      sym('usr/bin/l', 'ls'),
      dir('tmp', 0o1777),
      await file('etc/sudo', 'suid', 0o4755, { uid: 0, gid: 10 }),
    ];
    const r = await checkoutTree(store, entries, target);
    expect(r.method).toBe('hardlink');
    expect(r).toMatchObject({ files: 3, linked: 2, empty: 1, copied: 0, dirs: 3, symlinks: 1, hardlinks: 1 });
    const st = lstatSync(join(target, 'usr/bin/ls'));
    expect(st.ino).toBe(lstatSync(store.pathOf(ls.key!)).ino);
    expect(lstatSync(join(target, 'usr/bin/dir')).ino).toBe(st.ino);
    const empty = lstatSync(join(target, 'usr/bin/empty'));
    expect(empty.nlink).toBe(1);
    expect(empty.mode & 0o7777).toBe(0o600);
    expect(readlinkSync(join(target, 'usr/bin/l'))).toBe('ls');
    expect(lstatSync(join(target, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(target, 'etc/sudo')).mode & 0o7777).toBe(0o4755);
    // etc had no entry: made root-owned 0755
    expect(lstatSync(join(target, 'etc')).mode & 0o7777).toBe(0o755);
    // directory times are set after their contents
    expect(lstatSync(join(target, 'usr/bin')).mtimeMs / 1000).toBe(T);
  });

  it('copies with method copy, keeping metadata and the package hard-link group', async () => {
    const target = join(tmp.path, 'co2');
    const a = await file('a', 'content a', 0o750);
    const r = await checkoutTree(store, [a, { ...a, path: 'b', type: 'hardlink', linkTarget: 'a', key: undefined }], target, { method: 'copy' });
    expect(r).toMatchObject({ method: 'copy', copied: 1, linked: 0, hardlinks: 1 });
    const st = lstatSync(join(target, 'a'));
    expect(st.ino).not.toBe(lstatSync(store.pathOf(a.key!)).ino);
    expect(st.mode & 0o7777).toBe(0o750);
    expect(st.mtimeMs / 1000).toBe(T);
    expect(lstatSync(join(target, 'b')).ino).toBe(st.ino);
    expect(readFileSync(join(target, 'b'), 'utf8')).toBe('content a');
  });

  it('adds packages in order: later files replace earlier ones, directories merge', async () => {
    const target = join(tmp.path, 'co3');
    const co = await openCheckout(store, target);
    await co.add([dir('etc'), await file('etc/shared', 'from pkg1'), await file('etc/one', '1')], { rpmSha256: '1'.repeat(64) });
    await co.add([dir('etc', 0o700), await file('etc/shared', 'from pkg2'), await file('etc/two', '2')], { rpmSha256: '2'.repeat(64) });
    const r = await co.finish();
    expect(readFileSync(join(target, 'etc/shared'), 'utf8')).toBe('from pkg2');
    expect(readFileSync(join(target, 'etc/one'), 'utf8')).toBe('1');
    expect(readFileSync(join(target, 'etc/two'), 'utf8')).toBe('2');
    expect(lstatSync(join(target, 'etc')).mode & 0o7777).toBe(0o700);
    expect(r.files).toBe(4);
    // registered as a gc root with both packages
    const rec = (await listRoots(store.rootsDir)).find((x) => x.path === target);
    expect(rec?.packages.map((p: { rpmSha256: string }) => p.rpmSha256)).toEqual(['1'.repeat(64), '2'.repeat(64)]);
  });

  it('refuses to put a file where a directory is, and unsafe paths', async () => {
    const target = join(tmp.path, 'co4');
    await expect(checkoutTree(store, [dir('x'), await file('x', 'f')], target)).rejects.toMatchObject({ code: 'E_CHECKOUT_CONFLICT' });
    await expect(checkoutTree(store, [await file('../escape', 'f')], target)).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
    await expect(checkoutTree(store, [await file('/etc/abs', 'f')], target)).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
    await expect(checkoutTree(store, [{ ...(await file('h', 'x')), type: 'hardlink', linkTarget: 'missing', key: undefined }], target)).rejects.toThrow(/hard link target missing is missing/);
  });

  it('follows the usrmove links chroot-style (filesystem plants /lib64 → usr/lib64, libgcc ships /lib64/*)', async () => {
    const target = join(tmp.path, 'co5');
    const co = await openCheckout(store, target);
    await co.add([dir('usr'), dir('usr/lib64'), dir('usr/bin'), sym('lib64', 'usr/lib64'), sym('bin', 'usr/bin')]);
    await co.add([dir('lib64'), await file('lib64/libgcc_s.so.1', 'libgcc'), await file('bin/bash', 'bash', 0o755)]);
    await co.finish();
    expect(lstatSync(join(target, 'lib64')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(target, 'usr/lib64/libgcc_s.so.1'), 'utf8')).toBe('libgcc');
    expect(readFileSync(join(target, 'usr/bin/bash'), 'utf8')).toBe('bash');
  });

  it('never writes outside the root through planted symlinks (to /, ../../.., /etc) — security regression for issue 5', async () => {
    const outside = join(tmp.path, 'outside');
    mkdirSync(join(outside, 'etc'), { recursive: true });
    const target = join(outside, 'root');
    const co = await openCheckout(store, target);
    await co.add([dir('etc'), sym('up', '../../..'), sym('slash', '/'), sym('etcl', '/etc'), sym('abs', outside)]);
    await co.add([await file('up/etc/p1', 'x'), await file('slash/etc/p2', 'x'), await file('etcl/p3', 'x'), await file('abs/etc/p4', 'x')]);
    await co.finish();
    for (const n of ['p1', 'p2', 'p3']) expect(readFileSync(join(target, 'etc', n), 'utf8')).toBe('x');
    // an absolute link naming the host path is just a path inside the root
    expect(readFileSync(join(target, outside.slice(1), 'etc/p4'), 'utf8')).toBe('x');
    expect(existsSync(join(outside, 'etc/p4'))).toBe(false);
    expect(existsSync(join(outside, 'etc/p1'))).toBe(false);
  });

  it('looks again after invalidate(): a directory a scriptlet swapped for a link out of the root still lands inside — security regression for issue 5', async () => {
    const outside = join(tmp.path, 'outside2');
    mkdirSync(outside, { recursive: true });
    const target = join(tmp.path, 'co-swap');
    const co = await openCheckout(store, target, { register: false });
    await co.add([dir('etc'), dir('etc/x'), await file('etc/x/a', 'a')]);
    // What a hostile %post could do between two packages:
    rmSync(join(target, 'etc'), { recursive: true });
    symlinkSync(outside, join(target, 'etc'));
    co.invalidate();
    await co.add([await file('etc/x/b', 'b'), await file('etc/c', 'c')]);
    await co.finish();
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(join(target, outside.slice(1), 'x/b'), 'utf8')).toBe('b');
    expect(readFileSync(join(target, outside.slice(1), 'c'), 'utf8')).toBe('c');
  });

  it.runIf(IS_ROOT)('creates device nodes and fifos with owners', async () => {
    const target = join(tmp.path, 'co6');
    const node = (path: string, type: 'chardev' | 'blockdev' | 'fifo', rdev?: number): TreeEntry => ({ path, type, mode: 0o620, uid: 0, gid: 5, mtime: T, size: 0, rdev });
    const r = await checkoutTree(store, [dir('dev'), node('dev/null', 'chardev', makeRdev(1, 3)), node('dev/loop0', 'blockdev', makeRdev(7, 0)), node('dev/initctl', 'fifo')], target);
    expect(r.nodes).toBe(3);
    const st = lstatSync(join(target, 'dev/null'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(makeRdev(1, 3));
    expect(st.gid).toBe(5);
    expect(lstatSync(join(target, 'dev/loop0')).isBlockDevice()).toBe(true);
    expect(lstatSync(join(target, 'dev/initctl')).isFIFO()).toBe(true);
  });

  it('addDirs makes one depth of many directories in parallel, with the same rules as add (metadata, symlinks kept, conflicts refused)', async () => {
    const target = join(tmp.path, 'co-dirs');
    const co = await openCheckout(store, target);
    await co.add([dir('usr'), dir('usr/share'), sym('lib64', 'usr/lib64'), dir('usr/lib64')]);
    const langs = Array.from({ length: 30 }, (_, i) => `l${i}`);
    await co.addDirs(langs.map((l) => dir(`usr/share/${l}`)));
    // Depth 4: many parents, several children each, modes that differ from mkdir's default,
    // a directory through the planted symlink, and one that already exists.
    mkdirSync(join(target, 'usr/share/l0/man1'));
    const level = langs.flatMap((l) => ['man1', 'man8', 'mann'].map((m) => dir(`usr/share/${l}/${m}`, m === 'mann' ? 0o700 : 0o755)));
    await co.addDirs([...level, dir('lib64/x', 0o750)].map((e) => ({ ...e, mtime: T + 5 })));
    const r = await co.finish();
    expect(r.dirs).toBe(3 + 30 + 91);
    for (const l of langs) {
      expect(lstatSync(join(target, `usr/share/${l}/mann`)).mode & 0o7777).toBe(0o700);
      expect(lstatSync(join(target, `usr/share/${l}/man8`)).mtimeMs).toBe((T + 5) * 1000);
    }
    expect(lstatSync(join(target, 'usr/share/l0/man1')).mtimeMs).toBe((T + 5) * 1000);
    expect(lstatSync(join(target, 'lib64')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(target, 'usr/lib64/x')).mode & 0o7777).toBe(0o750);

    // Something that is not a directory in the way: refused, as by add().
    const target2 = join(tmp.path, 'co-dirs2');
    const co2 = await openCheckout(store, target2);
    await co2.add([dir('a'), await file('a/f5', 'x')]);
    const many = Array.from({ length: 12 }, (_, i) => dir(`a/f${i}`));
    await expect(co2.addDirs(many)).rejects.toThrow(/in the way/);
  });

  it('spills to a fresh copy when an object reaches the link limit', async () => {
    const target = join(tmp.path, 'co7');
    const f = await file('f0', 'many links');
    const before = lstatSync(store.pathOf(f.key!)).nlink;
    const entries = Array.from({ length: 10 }, (_, i) => ({ ...f, path: `f${i}` }));
    const r = await checkoutTree(store, entries, target, { linkLimit: before + 3 });
    expect(r.spilled).toBeGreaterThan(0);
    expect(lstatSync(store.pathOf(f.key!)).nlink).toBeLessThanOrEqual(before + 3);
    for (let i = 0; i < 10; i++) expect(readFileSync(join(target, `f${i}`), 'utf8')).toBe('many links');
    // later links reuse the spill copy instead of copying every file
    expect(r.copied).toBeLessThan(4);
  });

  it('breakLink copies-up a shared file so edits never reach the store', async () => {
    const target = join(tmp.path, 'co8');
    const f = await file('etc/config', 'original', 0o640, { gid: 3 });
    await checkoutTree(store, [dir('etc'), f, sym('cfg', '/etc/config')], target);
    expect(await breakLink(target, 'cfg')).toBe(true);
    const st = lstatSync(join(target, 'etc/config'));
    expect(st.nlink).toBe(1);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtimeMs / 1000).toBe(T);
    if (IS_ROOT) expect(st.gid).toBe(3);
    writeFileSync(join(target, 'etc/config'), 'edited');
    expect(readFileSync(store.pathOf(f.key!), 'utf8')).toBe('original');
    expect(await breakLink(target, 'etc/config')).toBe(false);
  });
});

describe.runIf(IS_ROOT)('across filesystems (tmpfs)', () => {
  let mnt: string;
  beforeAll(() => {
    mnt = join(tmp.path, 'tmpfs');
    mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'vzbuild-test', mnt]);
  });
  afterAll(() => {
    execFileSync('umount', [mnt]);
  });

  it('auto falls back to copy on EXDEV and records why', async () => {
    const f = await file('bin/x', 'exdev content', 0o755);
    const r = await checkoutTree(store, [f], join(mnt, 'root'));
    expect(r.method).toBe('copy');
    expect(r.methodReason).toMatch(/EXDEV/);
    expect(readFileSync(join(mnt, 'root/bin/x'), 'utf8')).toBe('exdev content');
    expect(lstatSync(join(mnt, 'root/bin/x')).mode & 0o7777).toBe(0o755);
  });

  it('explicit hardlink refuses with a clear error', async () => {
    await expect(checkoutTree(store, [], join(mnt, 'root2'), { method: 'hardlink' })).rejects.toMatchObject({ code: 'E_CHECKOUT_METHOD' });
  });

  it('copies a file whose directory is another mount inside the tree', async () => {
    const target = join(tmp.path, 'co-mixed');
    mkdirSync(join(target, 'mnt'), { recursive: true });
    execFileSync('mount', ['--bind', mnt, join(target, 'mnt')]);
    try {
      const r = await checkoutTree(store, [await file('mnt/a', 'on tmpfs'), await file('b', 'on disk')], target);
      expect(r).toMatchObject({ method: 'hardlink', linked: 1, copied: 1 });
      expect(readFileSync(join(target, 'mnt/a'), 'utf8')).toBe('on tmpfs');
    } finally {
      execFileSync('umount', [join(target, 'mnt')]);
    }
  });
});

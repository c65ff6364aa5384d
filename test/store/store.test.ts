// The object store: keys include the inode metadata, writes are idempotent, a crash's
// leftovers are ignored and cleaned, package indexes are atomic and self-checking.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyOf, openStore, objectRelPath, type ObjectMeta, type Store, type TreeEntry } from '../../cache/index.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';

const base: ObjectMeta = { mode: 0o755, uid: 0, gid: 0, mtime: 1_600_000_000 };
// security.capability for cap_net_raw+ep (as setcap writes it, VFS_CAP_REVISION_2).
const CAP_NET_RAW = Buffer.from('0100000200200000000000000000000000000000', 'hex');

describe('store keys', () => {
  const sha = 'a'.repeat(64);
  it('differ by every piece of shared inode metadata', () => {
    const variants: ObjectMeta[] = [
      base,
      { ...base, mode: 0o4755 },
      { ...base, mode: 0o644 },
      { ...base, uid: 1 },
      { ...base, gid: 5 },
      { ...base, mtime: base.mtime + 1 },
      { ...base, xattrs: { 'security.capability': CAP_NET_RAW.toString('base64') } },
    ];
    const keys = variants.map((m) => keyOf(m, sha));
    expect(new Set(keys).size).toBe(variants.length);
    expect(keyOf(base, 'b'.repeat(64))).not.toBe(keys[0]);
  });
  it('ignore file-type bits and xattr order', () => {
    expect(keyOf({ ...base, mode: 0o100755 }, sha)).toBe(keyOf(base, sha));
    const a = keyOf({ ...base, xattrs: { 'user.a': 'QQ==', 'user.b': 'Qg==' } }, sha);
    const b = keyOf({ ...base, xattrs: { 'user.b': 'Qg==', 'user.a': 'QQ==' } }, sha);
    expect(a).toBe(b);
  });
  it('map to a 2-char fan-out path', () => {
    const k = keyOf(base, sha);
    expect(objectRelPath(k)).toBe(`${k.slice(7, 9)}/${k.slice(9)}`);
  });
});

describe('object store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  beforeEach(async () => {
    tmp = tempDir('vzbuild-store-');
    store = await openStore(join(tmp.path, 'store'));
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('stores content with its metadata under a versioned root, idempotently', async () => {
    const a = await store.addBuffer(Buffer.from('hello\n'), { ...base, mode: 0o4711 });
    expect(a.added).toBe(true);
    expect(store.pathOf(a.key).startsWith(join(tmp.path, 'store', 'v1', 'objects') + '/')).toBe(true);
    const st = lstatSync(store.pathOf(a.key));
    expect(st.mode & 0o7777).toBe(0o4711);
    expect(st.mtimeMs / 1000).toBe(base.mtime);
    expect(readFileSync(store.pathOf(a.key), 'utf8')).toBe('hello\n');
    const b = await store.addStream(Readable.from([Buffer.from('hel'), Buffer.from('lo\n')]), { ...base, mode: 0o4711 });
    expect(b).toEqual({ ...a, added: false });
    expect(await store.has(a.key)).toBe(true);
    // Same bytes, other mode: a second object.
    const c = await store.addBuffer(Buffer.from('hello\n'), { ...base, mode: 0o644 });
    expect(c.key).not.toBe(a.key);
    expect(c.sha256).toBe(a.sha256);
    expect(readdirSync(join(tmp.path, 'store', 'v1', 'tmp'))).toEqual([]);
  });

  it('streams large objects through a temp file, and dedupes them too', async () => {
    const chunks = Array.from({ length: 48 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const a = await store.addStream(Readable.from(chunks), base);
    expect(a).toMatchObject({ size: 48 * 64 * 1024, added: true });
    expect(readFileSync(store.pathOf(a.key)).equals(Buffer.concat(chunks))).toBe(true);
    const b = await store.addStream(Readable.from(chunks), base);
    expect(b).toEqual({ ...a, added: false });
    expect(readdirSync(join(tmp.path, 'store', 'v1', 'tmp'))).toEqual([]);
    // a source that fails mid-stream leaves nothing behind
    async function* broken() {
      yield* chunks.slice(0, 30);
      throw new Error('payload truncated');
    }
    await expect(store.addStream(broken(), { ...base, mode: 0o600 })).rejects.toThrow(/truncated/);
    expect(readdirSync(join(tmp.path, 'store', 'v1', 'tmp'))).toEqual([]);
  });

  it.runIf(IS_ROOT)('applies owners', async () => {
    const a = await store.addBuffer(Buffer.from('x'), { ...base, uid: 123, gid: 456 });
    const st = lstatSync(store.pathOf(a.key));
    expect([st.uid, st.gid]).toEqual([123, 456]);
  });

  it.runIf(IS_ROOT && tools('getcap', 'setfattr', 'getfattr'))('applies xattrs such as security.capability', async () => {
    const a = await store.addBuffer(Buffer.from('#!/bin/true\n'), { ...base, xattrs: { 'security.capability': CAP_NET_RAW.toString('base64') } });
    expect(execFileSync('getcap', [store.pathOf(a.key)], { encoding: 'utf8' })).toMatch(/cap_net_raw=ep/);
  });

  it('ignores and cleans a partial temp left by a crashed writer', async () => {
    await store.close();
    // A writer that died mid-object: its temp sits in tmp/, named after its (dead) pid.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid as number;
    const tmpDirPath = join(tmp.path, 'store', 'v1', 'tmp');
    writeFileSync(join(tmpDirPath, `${dead}-1-deadbeef`), 'partial cont');
    const s2 = await openStore(join(tmp.path, 'store'));
    const r = await s2.addBuffer(Buffer.from('partial content'), base);
    expect(readFileSync(s2.pathOf(r.key), 'utf8')).toBe('partial content');
    expect(readdirSync(tmpDirPath)).toEqual([]);
    await s2.close();
  });

  it('replaces a damaged object instead of trusting it', async () => {
    const a = await store.addBuffer(Buffer.from('good content'), { ...base, mode: 0o644 });
    // Simulate a torn write surviving a crash (size 0) — the object name exists but is bad.
    writeFileSync(store.pathOf(a.key), '');
    const again = await store.addBuffer(Buffer.from('good content'), { ...base, mode: 0o644 });
    expect(again.added).toBe(true);
    expect(readFileSync(store.pathOf(a.key), 'utf8')).toBe('good content');
  });

  it('keeps package indexes: atomic, versioned, and refused when an object is gone', async () => {
    const rpm = 'c'.repeat(64);
    const f = await store.addBuffer(Buffer.from('data'), { ...base, mode: 0o644 });
    const entries: TreeEntry[] = [
      { path: 'etc', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: base.mtime, size: 0 },
      { path: 'etc/f', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: base.mtime, size: 4, key: f.key },
    ];
    expect(await store.getPackageIndex(rpm)).toBeUndefined();
    await store.putPackageIndex(rpm, entries);
    const idx = await store.getPackageIndex(rpm);
    expect(idx?.entries).toEqual(entries);
    expect(idx?.version).toBe(1);
    expect(await store.getPackageIndex(rpm, 'rpm-2')).toBeUndefined();
    execFileSync('rm', [store.pathOf(f.key)]);
    expect(await store.getPackageIndex(rpm)).toBeUndefined();
    await expect(store.putPackageIndex(rpm, [{ ...entries[1], key: undefined }])).rejects.toThrow(/needs a key/);
    await expect(store.putPackageIndex('nothex', entries)).rejects.toThrow(/not a sha256/);
  });

  it('publishes staged indexes only at sync or close, after the objects (one syncfs per batch)', async () => {
    const storeDir = join(tmp.path, 'store');
    const idxPath = (sha: string) => join(storeDir, 'v1', 'packages', 'rpm-1', sha.slice(0, 2), `${sha}.json`);
    const f = await store.addBuffer(Buffer.from('staged data'), { ...base, mode: 0o644 });
    const entries: TreeEntry[] = [{ path: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: base.mtime, size: 11, key: f.key }];
    const [a, b] = ['e'.repeat(64), 'f'.repeat(64)];
    await store.stagePackageIndex(a, entries);
    await store.stagePackageIndex(b, entries);
    // Bad entries fail at staging, naming the package, not at a later read.
    await expect(store.stagePackageIndex('1'.repeat(64), [{ ...entries[0], key: undefined }])).rejects.toThrow(/1{64}.*needs a key/s);
    // This handle sees its own imports; nothing is on disk for other processes yet.
    expect((await store.getPackageIndex(a))?.entries).toEqual(entries);
    expect(existsSync(idxPath(a))).toBe(false);
    const other = await openStore(storeDir);
    expect(await other.getPackageIndex(a)).toBeUndefined();
    await other.close();
    await store.sync();
    expect(existsSync(idxPath(a)) && existsSync(idxPath(b))).toBe(true);
    expect(readdirSync(join(storeDir, 'v1', 'tmp'))).toEqual([]);
    // close() publishes what is still staged.
    const c = 'a1'.repeat(32);
    await store.stagePackageIndex(c, entries);
    await store.close();
    const s2 = await openStore(storeDir);
    expect((await s2.getPackageIndex(c))?.entries).toEqual(entries);
    await s2.close();
  });

  it('ignores a torn package index', async () => {
    const rpm = 'd'.repeat(64);
    await store.putPackageIndex(rpm, []);
    const p = join(tmp.path, 'store', 'v1', 'packages', 'rpm-1', 'dd', `${rpm}.json`);
    expect(existsSync(p)).toBe(true);
    writeFileSync(p, '{"version":1,"entr');
    expect(await store.getPackageIndex(rpm)).toBeUndefined();
  });

  it('durability fsync mode writes the same objects', async () => {
    const s2 = await openStore(join(tmp.path, 'store2'), { durability: 'fsync', verify: 'content' });
    const a = await s2.addBuffer(Buffer.from('x'), base);
    expect(a.key).toBe((await store.addBuffer(Buffer.from('x'), base)).key);
    mkdirSync(join(tmp.path, 'unused'));
    await s2.close();
  });
});

// The template cache writer against GNU tar: listing, extraction with owners, modes, hard
// links, device nodes and file capabilities; byte-identical repacks (also of the extracted
// copy: a full round trip); atomic publishing with -old rollback and SHA256SUMS; and an
// interrupted pack leaves nothing behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, linkSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTemplate, templateCacheName, encodeHeader, headerSize, paxRecord, planTar, tarChunks } from '../../builder/pack/index.js';
import { encodeHeaderInto } from '../../builder/pack/tar-header.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';

const SDE = 1_700_000_000;
const NAME = 'centos-7-x86_64-minimal';
let tmp: ReturnType<typeof tempDir>;
let root: string;

function sha(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

/** Everything tar must preserve, per path (with hard-link groups as group indexes). */
function describeTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string>();
  const walk = (rel: string) => {
    const abs = rel ? join(dir, rel) : dir;
    const st = lstatSync(abs);
    let d = `${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${Math.floor(st.mtimeMs / 1000)}`;
    if (st.isFile()) {
      d += ` ${st.size} ${sha(abs)}`;
      if (st.nlink > 1) d += ` link-group:${inodes.get(st.ino) ?? (inodes.set(st.ino, rel), rel)}`;
    }
    if (st.isSymbolicLink()) d += ` -> ${readlinkSync(abs)}`;
    if (st.isCharacterDevice() || st.isBlockDevice()) d += ` rdev ${st.rdev}`;
    out[rel || '.'] = d;
    if (st.isDirectory()) for (const n of readdirSync(abs).sort()) walk(rel ? `${rel}/${n}` : n);
  };
  walk('');
  return out;
}

function caps(dir: string): string {
  return execFileSync('getcap', ['-r', dir], { encoding: 'utf8' }).replaceAll(dir, '').split('\n').sort().join('\n');
}

beforeAll(() => {
  tmp = tempDir('vzbuild-pack-');
  root = join(tmp.path, 'root');
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  writeFileSync(join(root, 'usr/bin/su'), 'su binary');
  chmodSync(join(root, 'usr/bin/su'), 0o4755);
  linkSync(join(root, 'usr/bin/su'), join(root, 'usr/bin/su-hardlink'));
  symlinkSync('su', join(root, 'usr/bin/su-symlink'));
  symlinkSync('usr/bin', join(root, 'bin'));
  writeFileSync(join(root, 'etc/empty'), '');
  writeFileSync(join(root, 'etc/big'), Buffer.alloc(3 * 1024 * 1024, 7)); // streamed, not read whole
  const deep = join(root, 'd'.repeat(90), 'e'.repeat(90));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'f'.repeat(120)), 'long path'); // needs a PAX path record
  writeFileSync(join(root, 'etc/ünïcödé'), 'utf-8 name');
  symlinkSync('/'.padEnd(150, 'x'), join(root, 'etc/long-link')); // PAX linkpath
  if (IS_ROOT) {
    writeFileSync(join(root, 'usr/bin/ping'), 'ping binary');
    chownSync(join(root, 'usr/bin/ping'), 0, 0);
    chmodSync(join(root, 'usr/bin/ping'), 0o755);
    execFileSync('setcap', ['cap_net_raw,cap_net_admin+ep', join(root, 'usr/bin/ping')]);
    writeFileSync(join(root, 'etc/shadow'), 'secret');
    chownSync(join(root, 'etc/shadow'), 0, 15);
    chmodSync(join(root, 'etc/shadow'), 0);
    writeFileSync(join(root, 'etc/owned'), 'x');
    chownSync(join(root, 'etc/owned'), 3_000_000, 4242); // uid beyond 7 octal digits → PAX uid
    mkdirSync(join(root, 'dev'));
    execFileSync('mknod', [join(root, 'dev/null'), 'c', '1', '3']);
    execFileSync('mknod', [join(root, 'dev/sda'), 'b', '8', '0']);
    execFileSync('mkfifo', [join(root, 'dev/initctl')]);
  }
});
afterAll(() => tmp.cleanup());

describe('tar headers', () => {
  it('PAX records count their own length', () => {
    for (const v of ['', 'x', 'x'.repeat(90), 'x'.repeat(993)]) {
      const r = paxRecord('path', v);
      expect(Number(r.toString('latin1').split(' ')[0])).toBe(r.length);
    }
  });
  it('a plain entry is one block; long paths, big ids and xattrs add a PAX header', () => {
    const h = { path: './etc/passwd', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 1, mtime: SDE };
    expect(encodeHeader(h).length).toBe(512);
    expect(encodeHeader({ ...h, path: './' + 'a'.repeat(300) }).length).toBeGreaterThan(512);
    expect(encodeHeader({ ...h, uid: 2 ** 22 }).length).toBeGreaterThan(512);
    expect(encodeHeader({ ...h, xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0x80]) } }).subarray(512).includes(Buffer.from([0x80]))).toBe(true);
  });
  it('headerSize predicts every encoding (the archive is sized before it is written)', () => {
    const h = { path: './etc/passwd', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 1, mtime: SDE };
    const cases = [
      h,
      { ...h, path: './' + 'a'.repeat(300) },
      { ...h, path: './ü'.repeat(60) },
      { ...h, type: 'symlink' as const, size: 0, linkpath: '/'.padEnd(150, 'x') },
      { ...h, uid: 2 ** 22, gid: 2 ** 30, mtime: -5, size: 2 ** 40 },
      { ...h, xattrs: { 'security.capability': Buffer.alloc(20, 0x80), 'user.long': Buffer.alloc(700, 1) } },
    ];
    for (const c of cases) expect(headerSize(c)).toBe(encodeHeader(c).length);
  });
  it('the in-place encoder writes the same block as encodeHeader, and declines what needs PAX', () => {
    const h = { path: './usr/bin/x', type: 'file' as const, mode: 0o4755, uid: 0, gid: 0, size: 12345, mtime: SDE };
    const plain = [
      h,
      { ...h, path: './usr', type: 'dir' as const, size: 0 },
      { ...h, path: './' + 'p'.repeat(98) }, // exactly 100 bytes: still the name field
      { ...h, type: 'symlink' as const, size: 0, linkpath: '../lib64/' + 'l'.repeat(91) },
      { ...h, type: 'hardlink' as const, size: 0, linkpath: './usr/bin/y' },
      { ...h, type: 'chardev' as const, size: 0, devmajor: 1, devminor: 3 },
      { ...h, uid: 0o7777777, gid: 4242, mtime: 0, xattrs: {} },
      { ...h, path: './' + 'p'.repeat(99) }, // 101 bytes: split into prefix "." and name
    ];
    const b = Buffer.alloc(1024, 0xee);
    for (const c of plain) {
      expect(encodeHeaderInto(c, b, 512)).toBe(true);
      expect(b.subarray(512)).toEqual(encodeHeader(c));
    }
    const pax = [
      { ...h, path: './' + 'p'.repeat(120) },
      { ...h, path: './ü' },
      { ...h, type: 'symlink' as const, size: 0, linkpath: 'l'.repeat(101) },
      { ...h, uid: 0o10000000 },
      { ...h, mtime: -1 },
      { ...h, xattrs: { 'user.a': Buffer.from('b') } },
    ];
    for (const c of pax) expect(encodeHeaderInto(c, b, 0)).toBe(false);
  });
  it.runIf(tools('getfattr'))('the stream is exactly the planned size; a file that shrank after the walk is an error', async () => {
    const dir = join(tmp.path, 'shrink');
    mkdirSync(join(dir, 'a'), { recursive: true });
    writeFileSync(join(dir, 'a/f'), Buffer.alloc(5000, 1));
    writeFileSync(join(dir, 'g'), 'grows');
    const plan = await planTar(dir, { sourceDateEpoch: SDE });
    writeFileSync(join(dir, 'g'), 'grows after the walk: only the planned bytes are archived');
    let n = 0;
    for await (const b of tarChunks(plan)) n += b.length;
    expect(n).toBe(plan.size);
    const again = await planTar(dir, { sourceDateEpoch: SDE });
    writeFileSync(join(dir, 'a/f'), 'short');
    await expect(async () => {
      for await (const b of tarChunks(again)) void b;
    }).rejects.toThrow(/a\/f: changed while being archived/);
  });
  it('template cache names follow vzpkg', () => {
    expect(templateCacheName({ os: 'centos', release: '7', arch: 'x86_64' })).toBe('centos-7-x86_64');
    expect(templateCacheName({ os: 'rhel', release: '9.4', arch: 'aarch64', variant: 'minimal' })).toBe('rhel-9.4-aarch64-minimal');
    expect(() => templateCacheName({ os: 'a/b', release: '1', arch: 'x' })).toThrow(/may only contain/);
  });
});

describe.runIf(tools('tar', 'zstd', 'xz', 'getcap', 'setcap', 'getfattr'))('packTemplate', () => {
  let out: string;
  let first: Awaited<ReturnType<typeof packTemplate>>;
  beforeAll(async () => {
    out = join(tmp.path, 'out');
    first = await packTemplate(root, { name: NAME, formats: ['tar.zst', 'tar.gz', 'tar.xz', 'dir'], outputDir: out, sourceDateEpoch: SDE, manifest: { recipe: 'centos-7', lock: { sha256: 'ab'.repeat(32) }, packages: [{ nevra: 'bash-4.2-1.x86_64', sha256: 'cd'.repeat(32) }] } });
  });

  it('names artifacts as vzpkg and writes a manifest and SHA256SUMS that verify', () => {
    expect(first.artifacts.map((a) => a.path.slice(out.length + 1))).toEqual([`${NAME}.tar.zst`, `${NAME}.tar.gz`, `${NAME}.tar.xz`, NAME]);
    const m = JSON.parse(readFileSync(first.manifestPath, 'utf8'));
    expect(m).toMatchObject({ version: 1, name: NAME, recipe: 'centos-7', sourceDateEpoch: SDE, tool: { name: 'vzbuild' }, tar: first.tar });
    expect(m.tree.files).toBe(first.tree.files);
    expect(m.artifacts.find((a: { file: string }) => a.file === `${NAME}.tar.zst`).sha256).toBe(sha(join(out, `${NAME}.tar.zst`)));
    expect(readFileSync(first.manifestPath, 'utf8')).not.toMatch(/\d{4}-\d\d-\d\dT/); // no timestamps
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.split('\n').filter(Boolean)).toHaveLength(4);
    // The zstd frame says how big the tar is (deploy's free-space check reads it, no decompression).
    const list = spawnSync('zstd', ['-lv', join(out, `${NAME}.tar.zst`)], { encoding: 'utf8' });
    expect(list.stdout + list.stderr).toContain(`(${first.tar.size} B)`);
  });

  it('GNU tar lists it: numeric owners, no names, clamped mtimes, sorted, directory first', () => {
    const list = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', join(out, `${NAME}.tar.zst`)], { encoding: 'utf8' }).trim().split('\n');
    const paths = execFileSync('tar', ['-tf', join(out, `${NAME}.tar.zst`)], { encoding: 'utf8' }).trim().split('\n');
    expect(paths[0]).toBe('./');
    expect(paths).toContain('./etc/ünïcödé');
    expect(paths).toContain(`./${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}`);
    for (let i = 1; i < paths.length; i++) {
      const parent = paths[i].replace(/\/$/, '').replace(/\/[^/]*$/, '/');
      expect(paths.slice(0, i)).toContain(parent);
    }
    for (const l of list) expect(l).not.toMatch(/2023-11-14 22:13:2[1-9]|202[4-9]-/); // nothing newer than SDE
    expect(list.find((l) => l.endsWith('./usr/bin/su-hardlink link to ./usr/bin/su'))).toBeDefined();
    // the same tar inside every compression
    for (const f of ['tar.gz', 'tar.xz', 'tar.zst']) {
      const raw = execFileSync('tar', ['-xOf', join(out, `${NAME}.${f}`), './etc/big'], { maxBuffer: 16 << 20 });
      expect(raw.length).toBe(3 * 1024 * 1024);
    }
  });

  it.runIf(IS_ROOT)('tar --xattrs -xpf reproduces owners, modes, links, hard links, devices and capabilities', () => {
    const dest = join(tmp.path, 'extracted');
    mkdirSync(dest);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xpf', join(out, `${NAME}.tar.xz`), '-C', dest]);
    const want = describeTree(root);
    const got = describeTree(dest);
    // mtimes are clamped to SDE in the archive
    const clamp = (d: Record<string, string>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.replace(/ (\d{9,}) /, (_m, t) => ` ${Math.min(Number(t), SDE)} `).replace(/ (\d{9,})$/, (_m, t) => ` ${Math.min(Number(t), SDE)}`)]));
    expect(got).toEqual(clamp(want));
    expect(caps(dest)).toBe(caps(root));
    expect(caps(dest)).toMatch(/usr\/bin\/ping cap_net_admin,cap_net_raw=ep/);
    expect(lstatSync(join(dest, 'etc/owned')).uid).toBe(3_000_000);
    // the plain directory output is the same tree
    expect(describeTree(join(out, NAME))).toEqual(got);
    expect(caps(join(out, NAME))).toBe(caps(root));
  });

  it('two packs of one tree are byte-identical, and so is a pack of the extracted copy', async () => {
    const out2 = join(tmp.path, 'out2');
    const again = await packTemplate(root, { name: NAME, formats: ['tar.zst', 'tar.gz', 'tar.xz'], outputDir: out2, sourceDateEpoch: SDE, manifest: { recipe: 'centos-7', lock: { sha256: 'ab'.repeat(32) }, packages: [{ nevra: 'bash-4.2-1.x86_64', sha256: 'cd'.repeat(32) }] } });
    for (const f of ['tar.zst', 'tar.gz', 'tar.xz']) expect(sha(join(out2, `${NAME}.${f}`))).toBe(sha(join(out, `${NAME}.${f}`)));
    expect(again.tar).toEqual(first.tar);
    if (IS_ROOT) {
      const copy = await packTemplate(join(out, NAME), { name: 'roundtrip', formats: ['tar.zst'], outputDir: join(tmp.path, 'out3'), sourceDateEpoch: SDE });
      expect(copy.tar.sha256).toBe(first.tar.sha256);
    }
  });

  it('keeps the previous cache as -old when the tree changed, not on an identical rebuild', async () => {
    const o = join(tmp.path, 'rollback');
    const one = await packTemplate(root, { name: NAME, formats: ['tar.zst'], outputDir: o, sourceDateEpoch: SDE });
    const same = await packTemplate(root, { name: NAME, formats: ['tar.zst'], outputDir: o, sourceDateEpoch: SDE });
    expect(same.tar).toEqual(one.tar);
    expect(existsSync(join(o, `${NAME}-old.tar.zst`))).toBe(false);
    writeFileSync(join(root, 'etc/changed'), 'new file');
    const two = await packTemplate(root, { name: NAME, formats: ['tar.zst'], outputDir: o, sourceDateEpoch: SDE });
    execFileSync('rm', [join(root, 'etc/changed')]);
    expect(sha(join(o, `${NAME}-old.tar.zst`))).toBe(one.artifacts[0].sha256);
    expect(sha(join(o, `${NAME}.tar.zst`))).toBe(two.artifacts[0].sha256);
    expect(JSON.parse(readFileSync(join(o, `${NAME}-old.manifest.json`), 'utf8')).tar).toEqual(one.tar);
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: o, encoding: 'utf8' });
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toMatch(new RegExp(`${NAME}-old.tar.zst: OK`));
  });

  it('an interrupted pack leaves no artifact and no temp', async () => {
    const o = join(tmp.path, 'interrupted');
    const ac = new AbortController();
    const p = packTemplate(root, { name: NAME, formats: ['tar.xz', 'tar.zst', 'dir'], outputDir: o, sourceDateEpoch: SDE }, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('interrupted by test')), 5);
    await expect(p).rejects.toThrow();
    expect(readdirSync(o)).toEqual([]);
    // a compressor that dies mid-stream also leaves nothing
    const fakeBin = join(tmp.path, 'fakebin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'zstd'), '#!/bin/sh\nhead -c 100000 >/dev/null\necho "zstd: disk on fire" >&2\nexit 1\n', { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${fakeBin}:${path}`;
    try {
      await expect(packTemplate(root, { name: NAME, formats: ['tar.gz', 'tar.zst', 'dir'], outputDir: o })).rejects.toThrow(/disk on fire/);
    } finally {
      process.env.PATH = path;
    }
    expect(readdirSync(o)).toEqual([]);
    // aborted mid-stream: temps exist (a slow compressor holds the stream back), then vanish
    writeFileSync(join(fakeBin, 'zstd'), '#!/bin/sh\nsleep 1\nexec /usr/bin/zstd "$@"\n', { mode: 0o755 });
    process.env.PATH = `${fakeBin}:${path}`;
    try {
      const ac2 = new AbortController();
      const p2 = packTemplate(root, { name: NAME, formats: ['tar.zst', 'dir'], outputDir: o }, { signal: ac2.signal });
      for (let i = 0; i < 100 && readdirSync(o).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(readdirSync(o).every((n) => n.startsWith('.'))).toBe(true);
      ac2.abort(new Error('interrupted mid-stream'));
      await expect(p2).rejects.toThrow();
    } finally {
      process.env.PATH = path;
    }
    expect(readdirSync(o)).toEqual([]);
    await expect(packTemplate(root, { name: NAME, formats: ['tar.zst'], outputDir: o, levels: { 'tar.zst': 99 } })).rejects.toMatchObject({ code: 'E_PACK_FORMAT' });
  });

  it('a pack killed mid-write leaves only a temp, which the next pack removes', async () => {
    const o = join(tmp.path, 'killed');
    mkdirSync(o);
    // What a SIGKILLed pack leaves: a hidden temp named after its (dead) pid.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(join(o, `.${NAME}.tar.zst.tmp-${dead}-0abc`), 'half');
    expect(readdirSync(o).filter((n) => !n.startsWith('.'))).toEqual([]);
    await packTemplate(root, { name: NAME, formats: ['tar.zst'], outputDir: o, sourceDateEpoch: SDE });
    expect(readdirSync(o).sort()).toEqual(['SHA256SUMS', `${NAME}.manifest.json`, `${NAME}.tar.zst`]);
  });

  it('refuses bad names, formats and manifest fields', async () => {
    await expect(packTemplate(root, { name: '../x', formats: ['tar.zst'], outputDir: tmp.path })).rejects.toMatchObject({ code: 'E_PACK_NAME' });
    await expect(packTemplate(root, { name: 'x', formats: ['tar.bz2' as never], outputDir: tmp.path })).rejects.toMatchObject({ code: 'E_PACK_FORMAT' });
    await expect(packTemplate(root, { name: 'x', formats: ['tar.zst'], outputDir: join(tmp.path, 'm'), manifest: { tar: 1 } })).rejects.toMatchObject({ code: 'E_PACK_MANIFEST' });
  });
});

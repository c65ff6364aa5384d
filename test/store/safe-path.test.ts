// Path safety rules as tables: entry path syntax, chroot-style symlink resolution, and the
// walk over a fake tree (the probe is the only filesystem access walkInRoot has).
import { describe, expect, it } from 'vitest';
import { resolveLinkLexically, splitEntryPath, walkInRoot, type Probe, type ProbeResult } from '../../cache/safe-path.js';

describe('splitEntryPath', () => {
  const good: [string, string[]][] = [
    ['usr', ['usr']],
    ['usr/bin/ls', ['usr', 'bin', 'ls']],
    ['etc/..rc', ['etc', '..rc']],
    ['a/...', ['a', '...']],
    ['dir with space/ü', ['dir with space', 'ü']],
  ];
  it.each(good)('accepts %j', (p, comps) => expect(splitEntryPath(p)).toEqual(comps));

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['/etc/passwd', /absolute/],
    ['../etc/passwd', /'\.\.'/],
    ['usr/../../etc', /'\.\.'/],
    ['usr/..', /'\.\.'/],
    ['./usr', /'\.'/],
    ['usr//bin', /empty/],
    ['usr/bin/', /empty/],
    ['a\0b', /NUL/],
    ['x'.repeat(256), /255 bytes/],
    [Array(1100).fill('d').join('/'), /deeper/],
  ];
  it.each(bad)('refuses %j', (p, why) => {
    expect(() => splitEntryPath(p)).toThrow(why);
    try {
      splitEntryPath(p);
    } catch (err) {
      expect((err as { code: string }).code).toBe('E_UNSAFE_PATH');
    }
  });
});

describe('resolveLinkLexically (chroot semantics)', () => {
  const table: [string[], string, string[]][] = [
    [[], 'usr/bin', ['usr', 'bin']],
    [['lib64'], 'foo', ['lib64', 'foo']],
    [[], '/', []],
    [['a', 'b'], '/etc', ['etc']],
    [['a', 'b'], '../../..', []],
    [['a', 'b'], '../../../../etc/shadow', ['etc', 'shadow']],
    [['a'], './x/./y', ['a', 'x', 'y']],
    [['a', 'b'], '../c', ['a', 'c']],
    [[], '//usr///lib', ['usr', 'lib']],
  ];
  it.each(table)('in %j, %j → %j', (base, target, out) => expect(resolveLinkLexically(base, target)).toEqual(out));
});

/** A fake tree: path → 'dir' | 'file' | symlink target ('->x'). */
function fakeProbe(tree: Record<string, string>, made: string[] = []): Probe {
  return (rel): ProbeResult => {
    if (rel === '' || made.includes(rel)) return { kind: 'dir' };
    const v = tree[rel];
    if (v === undefined) return { kind: 'missing' };
    if (v === 'dir') return { kind: 'dir' };
    if (v === 'file') return { kind: 'file' };
    return { kind: 'symlink', target: v.slice(2) };
  };
}

describe('walkInRoot', () => {
  const usrmove = { usr: 'dir', 'usr/lib64': 'dir', 'usr/bin': 'dir', lib64: '->usr/lib64', bin: '->/usr/bin', etc: 'dir', 'etc/passwd': 'file' };
  const cases: { name: string; tree: Record<string, string>; path: string; follow?: boolean; dir: string[]; leaf: string; leafName: string }[] = [
    { name: 'plain', tree: usrmove, path: 'etc/passwd', dir: ['etc'], leaf: 'file', leafName: 'passwd' },
    { name: 'through a relative link (usrmove)', tree: usrmove, path: 'lib64/libgcc_s.so.1', dir: ['usr', 'lib64'], leaf: 'missing', leafName: 'libgcc_s.so.1' },
    { name: 'through an absolute link stays in the root', tree: usrmove, path: 'bin/bash', dir: ['usr', 'bin'], leaf: 'missing', leafName: 'bash' },
    { name: 'link to / is the root', tree: { evil: '->/' }, path: 'evil/etc/shadow', dir: ['etc'], leaf: 'missing', leafName: 'shadow' },
    { name: 'link to ../../.. is clamped at the root', tree: { a: 'dir', 'a/up': '->../../..' }, path: 'a/up/etc/shadow', dir: ['etc'], leaf: 'missing', leafName: 'shadow' },
    { name: 'link to /etc lands in the tree', tree: { etc: 'dir', e: '->/etc' }, path: 'e/shadow', dir: ['etc'], leaf: 'missing', leafName: 'shadow' },
    { name: 'final symlink not followed by default', tree: usrmove, path: 'lib64', dir: [], leaf: 'symlink', leafName: 'lib64' },
    { name: 'final symlink followed for directories', tree: usrmove, path: 'lib64', follow: true, dir: ['usr'], leaf: 'dir', leafName: 'lib64' },
    { name: 'chained links', tree: { a: '->b', b: '->c/d', c: 'dir', 'c/d': 'dir' }, path: 'a/x', dir: ['c', 'd'], leaf: 'missing', leafName: 'x' },
    { name: 'final link to / is the root', tree: { r: '->/' }, path: 'r', follow: true, dir: [], leaf: 'dir', leafName: '' },
  ];
  it.each(cases)('$name', (c) => {
    const made: string[] = [];
    const w = walkInRoot(c.path, fakeProbe(c.tree, made), { followLast: c.follow, mkdir: (rel) => void made.push(rel) });
    expect(w.dir).toEqual(c.dir);
    expect(w.name).toBe(c.leafName);
    expect(w.leaf.kind).toBe(c.leaf);
  });

  it('creates missing parents through mkdir, in order', () => {
    const made: string[] = [];
    const w = walkInRoot('lib64/a/b/c', fakeProbe({ usr: 'dir', 'usr/lib64': 'dir', lib64: '->usr/lib64' }, made), { mkdir: (rel) => void made.push(rel) });
    expect(made).toEqual(['usr/lib64/a', 'usr/lib64/a/b']);
    expect(w.dir).toEqual(['usr', 'lib64', 'a', 'b']);
  });

  it('refuses a file used as a directory, symlink loops and missing parents without mkdir', () => {
    expect(() => walkInRoot('etc/passwd/x', fakeProbe({ etc: 'dir', 'etc/passwd': 'file' }))).toThrow(/not a directory/);
    expect(() => walkInRoot('a/x', fakeProbe({ a: '->b', b: '->a' }))).toThrow(/too many levels/);
    expect(() => walkInRoot('nope/x', fakeProbe({}))).toThrow(/does not exist/);
  });
});

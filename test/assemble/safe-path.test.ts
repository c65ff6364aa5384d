import { describe, expect, it } from 'vitest';
import { checkPackagePath, PathResolveError, resolveInRoot } from '../../builder/assemble/safe-path.js';

const links = (m: Record<string, string>) => (p: string) => m[p] ?? null;

describe('resolveInRoot (chroot semantics)', () => {
  const table: [string, Record<string, string>, string, string][] = [
    ['plain path', {}, '/usr/bin/ls', '/usr/bin/ls'],
    ['usrmove link in a parent', { '/lib64': 'usr/lib64' }, '/lib64/libgcc_s.so.1', '/usr/lib64/libgcc_s.so.1'],
    ['absolute link to / stays in the root', { '/x': '/' }, '/x/etc/passwd', '/etc/passwd'],
    ['relative link climbing out stays in the root', { '/a/b': '../../../../..' }, '/a/b/etc/shadow', '/etc/shadow'],
    ['link to /etc', { '/conf': '/etc' }, '/conf/cron.d/evil', '/etc/cron.d/evil'],
    ['chained links', { '/a': 'b', '/b': '/c/d', '/c/d': '../e' }, '/a/f', '/e/f'],
    ['last component is not followed', { '/x': '/etc/passwd' }, '/x', '/x'],
    ['dot-dot in a link target inside a deep dir', { '/usr/lib/x': '../../../../etc' }, '/usr/lib/x/y', '/etc/y'],
  ];
  for (const [name, m, input, want] of table) {
    it(name, () => expect(resolveInRoot(input, links(m))).toBe(want));
  }

  it('follows the last component when asked', () => {
    expect(resolveInRoot('/x', links({ '/x': '/etc/passwd' }), true)).toBe('/etc/passwd');
  });

  it('reports symlink loops instead of spinning', () => {
    expect(() => resolveInRoot('/a/b', links({ '/a': '/a' }))).toThrow(PathResolveError);
  });
});

describe('checkPackagePath', () => {
  it.each([
    ['/usr/bin/x', undefined],
    ['usr/bin/x', 'path is not absolute'],
    ['/usr/../../etc/passwd', 'path contains ".."'],
    ['/a\0b', 'path contains a NUL byte'],
  ])('%s', (p, want) => expect(checkPackagePath(p)).toBe(want));
});

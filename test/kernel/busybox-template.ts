// A tiny real template cache for deploy tests, until the build pipeline makes them: a root
// with /bin/busybox and its applet links, /sbin/init → busybox and an inittab, packed by tar.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export const APPLETS = ['sh', 'ps', 'hostname', 'cat', 'sleep', 'ls', 'mount', 'dd', 'echo', 'rm', 'wc', 'grep', 'id', 'touch', 'head', 'true', 'false'];

/** Build root/ under dir and pack it as dir/name; returns the cache path. */
export function makeBusyboxTemplate(dir: string, name = 'busybox-test.tar.gz', extra?: (root: string) => void): string {
  const root = join(dir, `${name}.root`);
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var/log', 'usr/bin']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  symlinkSync('../bin/busybox', join(root, 'sbin/init'));
  writeFileSync(join(root, 'etc/inittab'), '::sysinit:/bin/mount -t proc proc /proc\n::respawn:/bin/sleep 100000\n');
  writeFileSync(join(root, 'etc/hostname'), 'template\n');
  extra?.(root);
  const cache = join(dir, name);
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-czf', cache, '-C', root, '.']);
  return cache;
}

// The root seen from inside: map a path as a process chrooted into the root would see it
// to the host path that is really meant, following symlinks inside the root only
// (safe-path.ts holds the rules). Used by unpacking and by the in-process Lua scriptlets
// (rpm runs <lua> after chroot, so their posix.* and io.* paths are root paths too).
import { readFileSync, readlinkSync } from 'node:fs';
import { posix as pathPosix } from 'node:path';
import { resolveInRoot, type ReadlinkFn } from './safe-path.js';

export interface RootedFs {
  root: string;
  /** Host path for a root path; `followLast` as stat() (true) or lstat() (false). */
  host(path: string, followLast?: boolean, cwd?: string): string;
  /** Root-relative resolved path. */
  resolve(path: string, followLast?: boolean, cwd?: string): string;
  readlink: ReadlinkFn;
}

export function rootedFs(root: string): RootedFs {
  const readlink: ReadlinkFn = (p) => {
    try {
      return readlinkSync(root + p, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Not a symlink, or not there (yet): resolution carries on with the plain name.
      if (code === 'EINVAL' || code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw e;
    }
  };
  const resolve = (path: string, followLast = false, cwd = '/') => resolveInRoot(pathPosix.resolve(cwd, path), readlink, followLast);
  return { root, readlink, resolve, host: (path, followLast, cwd) => root + resolve(path, followLast, cwd) };
}

/** Look up a user or group in the root's own /etc/passwd or /etc/group (never the host's). */
export function lookupId(fs: RootedFs, db: 'passwd' | 'group', nameOrId: string | number): { name: string; id: number } | undefined {
  let text: string;
  try {
    text = readFileSync(fs.host(`/etc/${db}`, true), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // no such database yet (before setup)
    throw e;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3) continue;
    const id = Number(f[2]);
    if (typeof nameOrId === 'number' ? id === nameOrId : f[0] === nameOrId) return { name: f[0], id };
  }
  return undefined;
}

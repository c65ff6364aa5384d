// Unpack safety: where a package path really lands inside the root. Every component is
// resolved as the kernel would after chroot(root): a symlink is followed with "/" meaning
// the root and ".." never climbing above it, so a package that plants `/x -> /` or
// `/x -> ../../..` and then ships `/x/etc/passwd` writes the root's /etc/passwd, never
// the host's. Pure: the filesystem is seen only through the `readlink` callback, so the
// rules are tested without disk (and the fs-backed callback is in place-files.ts).

/** Target of the symlink at this root-relative absolute path, or null if it is not a symlink. */
export type ReadlinkFn = (rootPath: string) => string | null;

export const MAX_SYMLINKS = 40; // Linux's MAXSYMLINKS

export class PathResolveError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'loop' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** Split "/a//b/./c" into ["a", "b", "c"] (".." kept: it is resolved against symlinks). */
export function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolve `path` (absolute, as inside the root) to the root-relative absolute path it
 * names, following symlinks in every component but the last (unless `followLast`).
 * The result starts with "/" and contains no "..", "." or symlinked parent.
 */
export function resolveInRoot(path: string, readlink: ReadlinkFn, followLast = false): string {
  if (path.includes('\0')) throw new PathResolveError(path, 'invalid', `path contains a NUL byte`);
  let todo = splitPath(path);
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '..') {
      // chroot semantics: ".." at the root stays at the root.
      done.pop();
      continue;
    }
    done.push(c);
    if (todo.length === 0 && !followLast) break;
    const target = readlink('/' + done.join('/'));
    if (target === null) continue;
    if (++hops > MAX_SYMLINKS) throw new PathResolveError(path, 'loop', `too many levels of symbolic links (at /${done.join('/')})`);
    done.pop();
    if (target.startsWith('/')) done.length = 0;
    todo = [...splitPath(target), ...todo];
  }
  return '/' + done.join('/');
}

/** Reasons a package-supplied path is refused before any lookup (rpm paths are absolute and normalised). */
export function checkPackagePath(path: string): string | undefined {
  if (!path.startsWith('/')) return 'path is not absolute';
  if (path.includes('\0')) return 'path contains a NUL byte';
  if (path.split('/').includes('..')) return 'path contains ".."';
  return undefined;
}

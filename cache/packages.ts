// The package cache: verified RPMs stored by content as packages/<sha256>.rpm, shared by
// all recipes and builds. Repos that state sha1 or sha512 checksums reach the same file
// through an alias symlink packages/by-<algo>/<hex> -> ../<sha256>.rpm. Only verified
// bytes are ever renamed in; partial downloads live in packages/.partial/ (same filesystem,
// so the rename is atomic) where a later run can resume them. Knows nothing about distros:
// checksums in, paths out.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readlink, rename, stat, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { acquireLock, type FileLock, type LockOptions } from './lock.js';
import { acquireStoreLock, type LockMode, type StoreLock, type StoreLockOptions } from './store-lock.js';
import { cacheLayout } from './layout.js';

export interface PackageCache {
  dir: string;
  partial: string;
  /** Per-package download locks. */
  locks: string;
  /** The package-use readers/writer lock (lockPackageUse). */
  useLock: string;
}

export interface CacheKey {
  algo: string;
  hex: string;
}

export function packageCache(root: string): PackageCache {
  const l = cacheLayout(root);
  return { dir: l.packages, partial: join(l.packages, '.partial'), locks: join(l.locks, 'packages'), useLock: join(l.locks, 'package-use') };
}

/** The one mapping from a sha256 to its cache path. */
export function packagePath(c: PackageCache, sha256: string): string {
  return `${c.dir}/${sha256}.rpm`;
}

function aliasPath(c: PackageCache, key: CacheKey): string {
  return join(c.dir, `by-${key.algo}`, key.hex);
}

/** A cached package for this checksum (and size, when known): its path and sha256, or undefined. */
export async function findCachedPackage(c: PackageCache, key: CacheKey, size?: number): Promise<{ path: string; sha256: string } | undefined> {
  let sha256 = key.hex;
  if (key.algo !== 'sha256') {
    try {
      const target = await readlink(aliasPath(c, key));
      const m = /^\.\.\/([0-9a-f]{64})\.rpm$/.exec(target);
      if (!m) return undefined;
      sha256 = m[1];
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EINVAL')) return undefined;
      throw err;
    }
  }
  const path = packagePath(c, sha256);
  try {
    const st = await stat(path);
    // A size mismatch can only mean damage from outside; treat it as a miss so it is refetched.
    if (!st.isFile() || (size !== undefined && st.size !== size)) return undefined;
    return { path, sha256 };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/**
 * Move a verified temp file (in c.partial) into place as <sha256>.rpm and add the alias for
 * the checksum the repo states. The rename replaces an existing file only with identical
 * bytes (the name is their hash), so a racing peer is harmless. The file is fsync'd before
 * the rename (by the caller that wrote it, `synced`, or here), so a crash never leaves a
 * named file with missing bytes; the directory is
 * fsync'd once per run (syncPackageDirs): a rename lost in a crash only costs a re-download.
 */
export async function commitPackage(c: PackageCache, tmp: string, sha256: string, key: CacheKey, opts: { synced?: boolean } = {}): Promise<string> {
  const path = packagePath(c, sha256);
  if (!opts.synced) {
    const fh = await open(tmp, 'r');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }
  await rename(tmp, path);
  if (key.algo !== 'sha256') await writeAlias(c, key, sha256);
  return path;
}


/** Make this run's renames durable (one fsync per directory instead of one per file). */
export async function syncPackageDirs(c: PackageCache, algos: string[]): Promise<void> {
  for (const d of [c.dir, ...algos.filter((a) => a !== 'sha256').map((a) => join(c.dir, `by-${a}`))]) {
    try {
      await syncDir(d);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err; // nothing was written there
    }
  }
}

async function writeAlias(c: PackageCache, key: CacheKey, sha256: string): Promise<void> {
  const dir = join(c.dir, `by-${key.algo}`);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${key.hex}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await symlink(`../${sha256}.rpm`, tmp);
  // rename over any old alias: atomic, and a peer can only have written the same target.
  await rename(tmp, aliasPath(c, key));
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The package-use lock: fetches and builds hold it shared from the first cache lookup to
 * the last read of a package; `vzbuild gc` holds it exclusive while it prunes packages, so
 * it never removes one between a build finding it and unpacking it.
 */
export function lockPackageUse(c: PackageCache, mode: LockMode, opts: StoreLockOptions = {}): Promise<StoreLock> {
  return acquireStoreLock(c.useLock, mode, opts);
}

/** Take the per-package lock (waits for a peer downloading the same package). */
export async function lockPackage(c: PackageCache, key: CacheKey, opts: LockOptions = {}): Promise<FileLock> {
  // tryLock creates the directory on ENOENT, so the common path costs one syscall.
  return acquireLock(join(c.locks, `${key.algo}-${key.hex}.lock`), opts);
}

/**
 * The partial-download file this process owns for a package, holding the bytes of any
 * earlier interrupted attempt (ours or a dead process's): the caller holds the package
 * lock, so claiming by rename is uncontested; a new name (size 0) when there is nothing.
 */
export async function claimPartial(c: PackageCache, key: CacheKey): Promise<{ path: string; size: number }> {
  const mine = join(c.partial, `${key.algo}-${key.hex}.${process.pid}.part`);
  const prefix = `${key.algo}-${key.hex}.`;
  let best: { name: string; size: number } | undefined;
  let names: string[];
  try {
    names = await readdir(c.partial);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    await mkdir(c.partial, { recursive: true });
    names = [];
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const st = await lstat(join(c.partial, name)).catch(() => undefined); // gone: a peer took it
    if (!st?.isFile()) continue;
    // Keep the longest partial; the others are older, shorter attempts at the same bytes.
    const drop = !best || st.size > best.size ? best?.name : name;
    if (!best || st.size > best.size) best = { name, size: st.size };
    if (drop) await discardPartial(join(c.partial, drop));
  }
  if (best && join(c.partial, best.name) !== mine) {
    try {
      await rename(join(c.partial, best.name), mine);
    } catch (err) {
      // A peer that broke our lock claimed it first: start from nothing.
      if (!isErrno(err, 'ENOENT')) throw err;
      return { path: mine, size: 0 };
    }
  }
  return { path: mine, size: best?.size ?? 0 };
}

/** Was this package (by sha256) verified against the key with this fingerprint before? */
export async function hasVerifiedMark(c: PackageCache, sha256: string, fingerprint: string): Promise<boolean> {
  try {
    await stat(join(c.dir, 'verified', `${sha256}.${fingerprint}`));
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Remember a verified signature. The content never changes (its name is its hash), so the
 * mark stays true; an empty file created exclusively is atomic, and EEXIST means done.
 */
export async function markVerified(c: PackageCache, sha256: string, fingerprint: string): Promise<void> {
  const dir = join(c.dir, 'verified');
  await mkdir(dir, { recursive: true });
  try {
    await (await open(join(dir, `${sha256}.${fingerprint}`), 'wx')).close();
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
}

/** Drop a partial file that is known bad (wrong bytes). */
export async function discardPartial(path: string): Promise<void> {
  await unlink(path).catch((e) => {
    if (!isErrno(e, 'ENOENT')) throw e;
  });
}

// The filesystem half of a checkout: put one thing at one (already safety-checked) absolute
// path with the right metadata. New things are made under a temp name in the same
// directory and renamed over the old one, so a replaced file is never half-written and a
// later package replaces an earlier one's file the way rpm does.
//
// Synchronous fs calls on purpose: a checkout is tens of thousands of tiny metadata
// operations, and on a busy 2-core host each libuv threadpool round trip costs more than
// the syscall (store.bench.ts: copy checkout and pack several times faster this way).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, lchownSync, lutimesSync, openSync, renameSync, symlinkSync, utimesSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { makeNode } from '../kernel/fsnodes.js';
import { readXattrs, setXattrs } from '../kernel/xattr.js';
import { unlinkQuiet } from './atomic.js';
import type { TreeEntry } from './tree-entry.js';
import { splitRdev } from './tree-entry.js';

export interface MetaOptions {
  owners: boolean;
}

export function tempBeside(path: string): string {
  return join(dirname(path), `.vzbuild-${process.pid}-${randomBytes(5).toString('hex')}`);
}

/**
 * Make something at `dest` via `make(p)`: directly when nothing is there, else under a temp
 * name renamed over the old one. Returns after the new thing is in place.
 */
export async function place(dest: string, replace: boolean, make: (p: string) => Promise<void>): Promise<void> {
  if (!replace) {
    try {
      await make(dest);
      return;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      // Appeared meanwhile (a duplicate entry): fall through to replace it.
    }
  }
  const tmp = tempBeside(dest);
  try {
    await make(tmp);
    renameSync(tmp, dest);
  } finally {
    // rename() between two links of one inode is a no-op that leaves tmp behind.
    await unlinkQuiet(tmp);
  }
}

/** chown (clears suid and capabilities, so first), chmod, xattrs, then times. */
export async function applyMeta(path: string, e: Pick<TreeEntry, 'mode' | 'uid' | 'gid' | 'mtime' | 'xattrs' | 'type'>, o: MetaOptions): Promise<void> {
  const isLink = e.type === 'symlink';
  if (o.owners) lchownSync(path, e.uid, e.gid);
  if (!isLink) chmodSync(path, e.mode & 0o7777);
  if (e.xattrs && Object.keys(e.xattrs).length) await setXattrs([{ path, xattrs: e.xattrs }]);
  if (isLink) lutimesSync(path, e.mtime, e.mtime);
  else utimesSync(path, e.mtime, e.mtime);
}

export async function makeEmptyFile(p: string, e: TreeEntry, o: MetaOptions): Promise<void> {
  closeSync(openSync(p, 'wx', 0o600));
  await applyMeta(p, e, o);
}

export async function makeCopy(src: string, p: string, e: TreeEntry, o: MetaOptions): Promise<void> {
  copyFileSync(src, p);
  await applyMeta(p, e, o);
}

export async function makeSymlink(p: string, e: TreeEntry, o: MetaOptions): Promise<void> {
  symlinkSync(e.linkTarget as string, p);
  await applyMeta(p, e, o);
}

export async function makeDeviceOrFifo(p: string, e: TreeEntry, o: MetaOptions): Promise<void> {
  const { major, minor } = splitRdev(e.rdev ?? 0);
  await makeNode(p, e.type as 'chardev' | 'blockdev' | 'fifo', e.mode, major, minor);
  await applyMeta(p, e, o);
}

/**
 * Copy-up: give `abs` its own inode (same content and metadata) if it shares one, so it can
 * be modified without touching the store or other checkouts. True when a link was broken.
 */
export async function copyUp(abs: string): Promise<boolean> {
  const st = await lstat(abs);
  if (!st.isFile()) throw new TypeError(`${abs}: not a regular file`);
  if (st.nlink <= 1) return false;
  const xattrs = await readXattrs(abs);
  const tmp = tempBeside(abs);
  try {
    copyFileSync(abs, tmp);
    if (process.getuid?.() === 0) lchownSync(tmp, st.uid, st.gid);
    chmodSync(tmp, st.mode & 0o7777);
    if (Object.keys(xattrs).length) await setXattrs([{ path: tmp, xattrs }]);
    utimesSync(tmp, st.atime, st.mtime);
    renameSync(tmp, abs);
  } finally {
    await unlinkQuiet(tmp);
  }
  return true;
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

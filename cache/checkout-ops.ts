// The filesystem half of a checkout: put one thing at one (already safety-checked) absolute
// path with the right metadata. Every maker creates exclusively (link, O_EXCL, symlink,
// mkdir, COPYFILE_EXCL), so it never writes through something already there; when
// something is there, the new thing is made under a temp name in the same directory and
// renamed over the old one, so a replaced file is never half-written and a later package
// replaces an earlier one's file the way rpm does.
//
// Synchronous fs calls on purpose: a checkout is tens of thousands of tiny metadata
// operations, and each libuv threadpool round trip (plus the promise around it) costs more
// than the syscall itself (store.bench.ts, assemble.bench.ts).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants as fsc, copyFileSync, lchownSync, lstatSync, lutimesSync, openSync, renameSync, symlinkSync, unlinkSync, utimesSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { makeNode } from '../kernel/fsnodes.js';
import { readXattrs, setXattrs } from '../kernel/xattr.js';
import type { TreeEntry } from './tree-entry.js';
import { splitRdev } from './tree-entry.js';

export interface MetaOptions {
  owners: boolean;
}

type Meta = Pick<TreeEntry, 'mode' | 'uid' | 'gid' | 'mtime' | 'type'>;

export function tempBeside(path: string): string {
  return join(dirname(path), `.vzbuild-${process.pid}-${randomBytes(5).toString('hex')}`);
}

function unlinkQuietSync(p: string): void {
  try {
    unlinkSync(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err; // already renamed into place: nothing to clean
  }
}

/**
 * Make something at `dest` with the exclusive maker `make(p)`. When something is already
 * there, `check` sees its lstat (and throws to refuse it), then the thing is made under a
 * temp name and renamed over it. Returns true when something was replaced.
 */
export function place(dest: string, make: (p: string) => void, check?: (st: Stats) => void): boolean {
  try {
    make(dest);
    return false;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  check?.(lstatSync(dest));
  const tmp = tempBeside(dest);
  try {
    make(tmp);
    renameSync(tmp, dest);
  } finally {
    // rename() between two links of one inode is a no-op that leaves tmp behind.
    unlinkQuietSync(tmp);
  }
  return true;
}

/** chown (clears suid and capabilities, so first), chmod, then times; xattrs are setXattrs' (async, batched). */
export function applyMeta(path: string, e: Meta, o: MetaOptions): void {
  const isLink = e.type === 'symlink';
  if (o.owners) lchownSync(path, e.uid, e.gid);
  if (!isLink) chmodSync(path, e.mode & 0o7777);
  if (isLink) lutimesSync(path, e.mtime, e.mtime);
  else utimesSync(path, e.mtime, e.mtime);
}

export function makeEmptyFile(p: string, e: Meta, o: MetaOptions): void {
  closeSync(openSync(p, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600));
  applyMeta(p, e, o);
}

export function makeCopy(src: string, p: string, e: Meta, o: MetaOptions): void {
  copyFileSync(src, p, fsc.COPYFILE_EXCL);
  applyMeta(p, e, o);
}

export function makeSymlink(p: string, e: Meta & { linkTarget?: string }, o: MetaOptions): void {
  symlinkSync(e.linkTarget as string, p);
  // A symlink made by root is root's already: lchown only for other owners.
  applyMeta(p, e, { owners: o.owners && (e.uid !== 0 || e.gid !== 0) });
}

/** Device nodes and FIFOs (mknod through kernel/), placed like everything else. */
export async function placeNode(dest: string, e: TreeEntry, o: MetaOptions, check: (st: Stats) => void): Promise<void> {
  const { major, minor } = splitRdev(e.rdev ?? 0);
  const st = lstatSync(dest, { throwIfNoEntry: false });
  if (st) check(st);
  const tmp = st ? tempBeside(dest) : dest;
  try {
    await makeNode(tmp, e.type as 'chardev' | 'blockdev' | 'fifo', e.mode, major, minor);
    applyMeta(tmp, e, o);
    if (tmp !== dest) renameSync(tmp, dest);
  } finally {
    if (tmp !== dest) unlinkQuietSync(tmp);
  }
}

/**
 * Copy-up: give `abs` its own inode (same content and metadata) if it shares one, so it can
 * be modified without touching the store or other checkouts. True when a link was broken.
 */
export async function copyUp(abs: string): Promise<boolean> {
  const st = lstatSync(abs);
  if (!st.isFile()) throw new TypeError(`${abs}: not a regular file`);
  if (st.nlink <= 1) return false;
  const xattrs = await readXattrs(abs);
  const tmp = tempBeside(abs);
  try {
    copyFileSync(abs, tmp, fsc.COPYFILE_EXCL);
    if (process.getuid?.() === 0) lchownSync(tmp, st.uid, st.gid);
    chmodSync(tmp, st.mode & 0o7777);
    if (Object.keys(xattrs).length) await setXattrs([{ path: tmp, xattrs }]);
    utimesSync(tmp, st.atime, st.mtime);
    renameSync(tmp, abs);
  } finally {
    unlinkQuietSync(tmp);
  }
  return true;
}

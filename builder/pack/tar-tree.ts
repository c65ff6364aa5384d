// A directory tree as a deterministic tar stream. Owns: walk order, what each file kind
// becomes in the archive, mtime clamping, hard-link detection, xattrs. Does not own:
// compression or where the bytes go.
//
// Order: depth first, each directory's names sorted bytewise, a directory before its
// contents (what `tar --sort=name` does). Hard links: the first path of an inode in that
// order carries the data; later ones are links to it. Owners are numeric, names empty.
// Synchronous fs calls: per-file threadpool round trips made the async version 10× slower
// than `tar | zstd` on a busy 2-core host (store.bench.ts); the generator still yields
// every CHUNK bytes, so compressors and other work keep running.
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';

import { isAbsolute } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { openXattrReader, type XattrReader, type Xattrs } from '../../kernel/xattr.js';
import type { Logger } from '../context.js';
import type { ChunkPool } from './chunk-pool.js';
import { PackError } from './errors.js';
import { BLOCK, encodeHeader, encodeHeaderInto, END_OF_ARCHIVE, headerSize, type TarHeader } from './tar-header.js';

const ZEROS = Buffer.alloc(BLOCK);

export interface TarTreeOptions {
  /** Clamp every mtime to at most this (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: number;
  /**
   * Which files sharing an inode become tar hard links. 'inode' (default): all of them, as
   * GNU tar does. A list of path sets (tree-relative, e.g. a checkout's linkGroups): only
   * members of one set that still share an inode — a store checkout links identical files
   * of different packages to one object, which must not turn into links in the template.
   */
  hardLinks?: 'inode' | ReadonlyArray<readonly string[]>;
  /** Store xattrs (file capabilities) as SCHILY.xattr.* PAX records (default true). */
  xattrs?: boolean;
  log?: Logger;
  signal?: AbortSignal;
}

export interface TreeStats {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  devices: number;
  fifos: number;
  /** Sockets cannot be archived; they are skipped and listed here. */
  skipped: string[];
  /** Bytes of regular file content (each inode once). */
  bytes: number;
  withXattrs: number;
}

/** Bytes are handed out in buffers of this size: fewer, larger writes to compressors. */
export const CHUNK = 512 * 1024;

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Names in bytewise (UTF-8) order. JS string order is UTF-16 code unit order, which agrees
 * with UTF-8 byte order except around surrogates; only such rare names pay for Buffers.
 */
function sortNames(names: string[]): string[] {
  return names.some((n) => /[\ud800-\udfff]/.test(n)) ? names.sort(byteCompare) : names.sort();
}

export function major(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}
export function minor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

/**
 * One archive entry: what the archive needs of its lstat, and what it becomes. Kept instead
 * of the Stats object: 30k of those (each with four Dates) held between the passes made
 * garbage collection the top cost.
 */
interface Entry {
  /** Archive path: "." or "./a/b". */
  arc: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  /** "dev:ino" for files with more than one link, else undefined. */
  inode?: string;
  rdev: number;
  /** Symlink target (read in the walk), or, once planned, the first path of a hard link. */
  linkpath?: string;
  type?: TarHeader['type'];
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

const TYPE_OF: Record<number, TarHeader['type']> = { [S_IFREG]: 'file', [S_IFDIR]: 'dir', [S_IFLNK]: 'symlink', [S_IFCHR]: 'chardev', [S_IFBLK]: 'blockdev', [S_IFIFO]: 'fifo' };

/** Directories walked between turns of the event loop. */
const YIELD_EVERY = 256;

/**
 * The tree in archive order with each entry's lstat, without reading any content. Every
 * path that can carry xattrs of its own in the archive (not symlinks) goes to `xattrs`.
 */
async function walkTree(root: string, xattrs: XattrReader | undefined, signal?: AbortSignal): Promise<Entry[]> {
  const entries: Entry[] = [];
  let sinceYield = 0;
  // Explicit stack instead of recursion: deep trees must not grow the JS stack.
  const stack: string[] = ['.'];
  while (stack.length) {
    const arc = stack.pop() as string;
    const abs = root + arc.slice(1);
    const st = lstatSync(abs);
    const fmt = st.mode & S_IFMT;
    const inode = st.nlink > 1 && fmt === S_IFREG ? `${st.dev}:${st.ino}` : undefined;
    const linkpath = fmt === S_IFLNK ? readlinkSync(abs) : undefined;
    if (fmt !== S_IFLNK) xattrs?.add(arc);
    entries.push({ arc, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs, inode, rdev: st.rdev, linkpath });
    if (fmt !== S_IFDIR) continue;
    signal?.throwIfAborted();
    // The paths handed to getfattr only reach its pipe when the event loop runs: a walk
    // that never yields left it idle until the end and then waited for it.
    if (xattrs && ++sinceYield === YIELD_EVERY) {
      sinceYield = 0;
      await setImmediate();
    }
    const names = sortNames(readdirSync(abs));
    for (let i = names.length - 1; i >= 0; i--) stack.push(`${arc}/${names[i]}`);
  }
  return entries;
}

/** A walked tree, ready to stream: every entry's header decided, the archive's exact size known. */
export interface TarPlan {
  root: string;
  entries: Entry[];
  /** Bytes of the whole archive, end blocks included (zstd writes it into its frame header). */
  size: number;
  header(e: Entry): TarHeader;
}

/**
 * Walk the tree (readdir + lstat), handing each path to getfattr as it goes (it looks them
 * up on the other core: one walk, not two); then decide each entry's type and hard links,
 * count, and size the archive.
 */
export async function planTar(root: string, opts: TarTreeOptions = {}, stats: TreeStats = emptyStats()): Promise<TarPlan> {
  const sde = opts.sourceDateEpoch;
  if (!isAbsolute(root)) throw new TypeError(`planTar: root must be an absolute path: ${root}`);
  const reader = opts.xattrs === false ? undefined : openXattrReader({ base: root, signal: opts.signal });
  let entries: Entry[];
  try {
    entries = await walkTree(root, reader, opts.signal);
  } catch (err) {
    // Stop getfattr too; its result no longer matters.
    await reader?.done().catch(() => undefined);
    throw err;
  }
  const xattrs = reader ? await reader.done() : new Map<string, Xattrs>();

  const inodes = new Map<string, string>();
  const groupOf = new Map<string, number>();
  if (opts.hardLinks && opts.hardLinks !== 'inode') opts.hardLinks.forEach((g, i) => g.forEach((p) => groupOf.set(p, i)));
  const linkKey = (e: Entry): string | undefined => {
    if (e.inode === undefined || !opts.hardLinks || opts.hardLinks === 'inode') return e.inode;
    const g = groupOf.get(e.arc.slice(2));
    return g === undefined ? undefined : `${g}:${e.inode}`;
  };
  const raw = new Map<string, Record<string, Buffer>>();

  const header = (e: Entry): TarHeader => {
    const t = Math.floor(e.mtimeMs / 1000);
    const type = e.type as TarHeader['type'];
    const h: TarHeader = { path: e.arc === '.' ? './' : e.arc, type, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, size: type === 'file' ? e.size : 0, mtime: sde !== undefined && t > sde ? sde : t };
    if (e.linkpath !== undefined) h.linkpath = e.linkpath;
    if (type === 'chardev' || type === 'blockdev') {
      h.devmajor = major(e.rdev);
      h.devminor = minor(e.rdev);
    }
    const x = raw.get(e.arc);
    if (x) h.xattrs = x;
    return h;
  };

  let size = END_OF_ARCHIVE.length;
  const kept: Entry[] = [];
  for (const e of entries) {
    let type = TYPE_OF[e.mode & S_IFMT];
    if (type === undefined) {
      stats.skipped.push(e.arc);
      opts.log?.warn(`${root + e.arc.slice(1)}: socket not archived`);
      continue;
    }
    if (type === 'file') {
      const id = linkKey(e);
      const first = id !== undefined ? inodes.get(id) : undefined;
      if (first !== undefined) {
        type = 'hardlink';
        e.linkpath = first;
      } else if (id !== undefined) inodes.set(id, e.arc);
    }
    e.type = type;
    // Hard links and symlinks carry no xattrs of their own in GNU tar's archives.
    const x = type !== 'hardlink' && type !== 'symlink' ? xattrs.get(e.arc) : undefined;
    if (x) {
      const r: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(x)) r[k] = Buffer.from(v, 'base64');
      raw.set(e.arc, r);
      stats.withXattrs++;
    }
    if (type === 'file') {
      stats.files++;
      stats.bytes += e.size;
      size += e.size + ((BLOCK - (e.size % BLOCK)) % BLOCK);
    } else if (type === 'dir') stats.dirs++;
    else if (type === 'hardlink') stats.hardlinks++;
    else if (type === 'symlink') stats.symlinks++;
    else if (type === 'fifo') stats.fifos++;
    else stats.devices++;
    size += headerSize(header(e));
    kept.push(e);
  }
  return { root, entries: kept, size, header };
}

/**
 * The planned archive as chunks: headers, and file contents read straight into the output
 * buffer (no per-file Buffers, no concatenation). Exactly plan.size bytes, or an error.
 */
export async function* tarChunks(plan: TarPlan, signal?: AbortSignal, pool?: ChunkPool): AsyncGenerator<Buffer> {
  const { root } = plan;
  if (pool && pool.size !== CHUNK) throw new TypeError(`tarChunks: pool buffers must be ${CHUNK} bytes`);
  // The output buffer; a full one is handed out and never touched again by us (the
  // consumer may still be writing it to a pipe): each round starts a fresh one, or, with
  // a pool, one the consumer has released.
  const fresh = (): Buffer => (pool ? pool.acquire() : Buffer.allocUnsafe(CHUNK));
  let out = fresh();
  let len = 0;
  const take = (): Buffer => {
    const full = out.subarray(0, len);
    out = fresh();
    len = 0;
    return full;
  };
  /** Copy `b` in; returns the buffers that filled up on the way (usually none). */
  const put = (b: Buffer): Buffer[] => {
    const full: Buffer[] = [];
    for (let off = 0; off < b.length; ) {
      const n = b.copy(out, len, off);
      len += n;
      off += n;
      if (len === CHUNK) full.push(take());
    }
    return full;
  };

  for (const e of plan.entries) {
    const h = plan.header(e);
    if (len + BLOCK > CHUNK) yield take();
    if (encodeHeaderInto(h, out, len)) len += BLOCK;
    else for (const b of put(encodeHeader(h))) yield b;
    if (e.type !== 'file') continue;

    // Exactly e.size bytes, as the header says; a file that shrank since the walk is an
    // error (its header would lie), bytes it grew by are not archived.
    signal?.throwIfAborted();
    const abs = root + e.arc.slice(1);
    const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      for (let left = e.size; left > 0; ) {
        if (len === CHUNK) yield take();
        const got = readSync(fd, out, len, Math.min(CHUNK - len, left), null);
        if (got === 0) throw new PackError('E_PACK_CHANGED', `${abs}: changed while being archived (size ${e.size}, read ${e.size - left})`);
        len += got;
        left -= got;
      }
    } finally {
      closeSync(fd);
    }
    for (const b of put(ZEROS.subarray(0, (BLOCK - (e.size % BLOCK)) % BLOCK))) yield b;
  }
  for (const b of put(END_OF_ARCHIVE)) yield b;
  if (len) {
    const last = out.subarray(0, len);
    len = 0;
    yield last;
  }
}

/** planTar then tarChunks: a directory tree as one deterministic tar stream. */
export async function* tarTree(root: string, opts: TarTreeOptions = {}, stats: TreeStats = emptyStats()): AsyncGenerator<Buffer> {
  yield* tarChunks(await planTar(root, opts, stats), opts.signal);
}

export function emptyStats(): TreeStats {
  return { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, devices: 0, fifos: 0, skipped: [], bytes: 0, withXattrs: 0 };
}

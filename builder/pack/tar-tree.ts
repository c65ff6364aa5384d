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
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { readXattrsTree } from '../../kernel/xattr.js';
import type { Logger } from '../context.js';
import { PackError } from './errors.js';
import { dataPadding, encodeHeader, END_OF_ARCHIVE, type TarHeader } from './tar-header.js';

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

/** Bytes are handed out in chunks of about this size: fewer, larger writes to compressors. */
const CHUNK = 256 * 1024;
const SMALL_FILE = 1024 * 1024;

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function major(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}
export function minor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

export async function* tarTree(root: string, opts: TarTreeOptions = {}, stats: TreeStats = emptyStats()): AsyncGenerator<Buffer> {
  const sde = opts.sourceDateEpoch;
  const clamp = (st: Stats) => {
    const t = Math.floor(st.mtimeMs / 1000);
    return sde !== undefined && t > sde ? sde : t;
  };
  const xattrs = opts.xattrs === false ? new Map<string, Record<string, string>>() : await readXattrsTree(root, opts.signal);
  const inodes = new Map<string, string>();
  const groupOf = new Map<string, number>();
  if (opts.hardLinks && opts.hardLinks !== 'inode') opts.hardLinks.forEach((g, i) => g.forEach((p) => groupOf.set(p, i)));
  const linkKey = (arc: string, st: Stats): string | undefined => {
    if (st.nlink <= 1) return undefined;
    if (!opts.hardLinks || opts.hardLinks === 'inode') return `${st.dev}:${st.ino}`;
    const g = groupOf.get(arc.slice(2));
    return g === undefined ? undefined : `${g}:${st.dev}:${st.ino}`;
  };
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const push = (b: Buffer) => {
    pending.push(b);
    pendingLen += b.length;
  };
  const take = () => {
    const out = Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    return out;
  };

  function header(abs: string, arc: string, st: Stats, type: TarHeader['type'], extra: Partial<TarHeader> = {}): Buffer {
    const x = xattrs.get(abs);
    let raw: Record<string, Buffer> | undefined;
    if (x && type !== 'hardlink' && type !== 'symlink') {
      raw = {};
      for (const [k, v] of Object.entries(x)) raw[k] = Buffer.from(v, 'base64');
      stats.withXattrs++;
    }
    return encodeHeader({ path: arc, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: clamp(st), xattrs: raw, ...extra });
  }

  // Explicit stack instead of recursion: deep trees must not grow the JS stack.
  const stack: { abs: string; arc: string }[] = [{ abs: root, arc: '.' }];
  while (stack.length) {
    opts.signal?.throwIfAborted();
    const { abs, arc } = stack.pop() as { abs: string; arc: string };
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      push(header(abs, arc === '.' ? './' : arc, st, 'dir'));
      stats.dirs++;
      const names = readdirSync(abs).sort(byteCompare);
      for (let i = names.length - 1; i >= 0; i--) stack.push({ abs: `${abs}/${names[i]}`, arc: `${arc}/${names[i]}` });
    } else if (st.isFile()) {
      const id = linkKey(arc, st);
      const first = id !== undefined ? inodes.get(id) : undefined;
      if (first !== undefined) {
        push(header(abs, arc, st, 'hardlink', { linkpath: first }));
        stats.hardlinks++;
      } else {
        if (id !== undefined) inodes.set(id, arc);
        push(header(abs, arc, st, 'file', { size: st.size }));
        stats.files++;
        stats.bytes += st.size;
        let n = 0;
        if (st.size <= SMALL_FILE) {
          const data = readFileSync(abs);
          n = data.length;
          if (n === st.size) push(data);
        } else {
          const fd = openSync(abs, 'r');
          try {
            for (;;) {
              const buf = Buffer.allocUnsafe(CHUNK);
              const got = readSync(fd, buf, 0, CHUNK, null);
              if (got === 0) break;
              n += got;
              if (n > st.size) break;
              push(got === CHUNK ? buf : buf.subarray(0, got));
              if (pendingLen >= CHUNK) yield take();
            }
          } finally {
            closeSync(fd);
          }
        }
        if (n !== st.size) throw new PackError('E_PACK_CHANGED', `${abs}: changed while being archived (size ${st.size}, read ${n})`);
        push(dataPadding(st.size));
      }
    } else if (st.isSymbolicLink()) {
      push(header(abs, arc, st, 'symlink', { linkpath: readlinkSync(abs) }));
      stats.symlinks++;
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      push(header(abs, arc, st, st.isCharacterDevice() ? 'chardev' : 'blockdev', { devmajor: major(st.rdev), devminor: minor(st.rdev) }));
      stats.devices++;
    } else if (st.isFIFO()) {
      push(header(abs, arc, st, 'fifo'));
      stats.fifos++;
    } else {
      stats.skipped.push(arc);
      opts.log?.warn(`${abs}: socket not archived`);
    }
    if (pendingLen >= CHUNK) yield take();
  }
  push(END_OF_ARCHIVE);
  yield take();
}

export function emptyStats(): TreeStats {
  return { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, devices: 0, fifos: 0, skipped: [], bytes: 0, withXattrs: 0 };
}

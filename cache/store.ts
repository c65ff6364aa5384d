// The content-addressed object store: regular files keyed by content plus the inode
// metadata a hard link shares (see store-key.ts), per-package import indexes, and the
// shared lock that keeps gc away while builds use the store. Knows nothing about RPMs or
// distros: bytes and metadata go in, keys and paths come out.
//
// Layout under the store dir (the version segment lets a format change start afresh):
//   v1/objects/ab/cdef…   objects, named by key (2-char fan-out)
//   v1/packages/<importer>/ab/<sha256>.json   package import indexes
//   v1/roots/<id>.json    live checkouts and pinned templates (roots.ts)
//   v1/tmp/<pid>-…        in-flight writes (same filesystem, so link/rename is atomic)
//   v1/locks/             readers/writer lock (store-lock.ts)
import { createHash, hash as hashOnce, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFileSync, closeSync, fchmodSync, fchownSync, fsyncSync, futimesSync, lstatSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { isErrno } from '../builder/errors.js';
import { setXattrs } from '../kernel/xattr.js';
import { syncFilesystem } from '../kernel/fsnodes.js';
import { fsyncDir, unlinkQuiet } from './atomic.js';
import { StoreError } from './errors.js';
import { encodePackageIndex, packageIndexPath, packageIndexText, readPackageIndex, type PackageIndex, DEFAULT_IMPORTER } from './package-index.js';
import { acquireStoreLock, pidAlive, type StoreLock } from './store-lock.js';
import { keyOf, objectRelPath, STORE_VERSION, type ObjectMeta, type StoreKey } from './store-key.js';
import type { TreeEntry } from './tree-entry.js';

export interface StoreOptions {
  /**
   * 'batch' (default): objects are flushed with one syncfs before the package indexes (the
   * completion markers) that name them are published; a crash before that loses only
   * unreferenced objects, which a re-import rewrites. 'fsync': fsync every object as well
   * (about 20× slower on ext4). 'delegated': this handle never flushes and cannot publish
   * indexes; the caller makes its objects durable through another handle's sync() that runs
   * after these writes (an import worker's handle: the build's own handle syncs once).
   */
  durability?: 'batch' | 'fsync' | 'delegated';
  /** How an object that already exists is checked before being trusted: size+metadata, or a full re-hash. */
  verify?: 'stat' | 'content';
  /** Apply uid/gid to objects (default: when running as root). */
  owners?: boolean;
  lockTimeoutMs?: number;
}

export interface AddResult {
  key: StoreKey;
  size: number;
  /** sha256 of the content alone (hex). */
  sha256: string;
  /** False when the object was already there (nothing new stored). */
  added: boolean;
}

export interface Store {
  readonly dir: string;
  /** dir plus the version segment. */
  readonly root: string;
  readonly objectsDir: string;
  readonly rootsDir: string;
  readonly locksDir: string;
  readonly owners: boolean;
  addStream(src: Readable | AsyncIterable<Uint8Array>, meta: ObjectMeta, signal?: AbortSignal): Promise<AddResult>;
  addBuffer(data: Uint8Array, meta: ObjectMeta): Promise<AddResult>;
  addFile(path: string, meta: ObjectMeta, signal?: AbortSignal): Promise<AddResult>;
  /** The one key → path mapping. Pure. */
  pathOf(key: StoreKey): string;
  has(key: StoreKey): Promise<boolean>;
  getPackageIndex(rpmSha256: string, importer?: string): Promise<PackageIndex | undefined>;
  /**
   * Record a package's index (validated now); it is published by the next sync() or
   * close(), after the objects it names are durable. Until then only this handle sees it.
   * A batch of imports thus costs one syncfs, not one per package.
   */
  stagePackageIndex(rpmSha256: string, entries: readonly TreeEntry[], importer?: string): Promise<void>;
  /** stagePackageIndex, then sync(): the index is on disk when this resolves. */
  putPackageIndex(rpmSha256: string, entries: readonly TreeEntry[], importer?: string): Promise<void>;
  /** Make every object written so far durable (one syncfs), then publish staged indexes. */
  sync(): Promise<void>;
  /** Take the shared lock now (writes take it lazily); held until close(). */
  hold(): Promise<void>;
  close(): Promise<void>;
}

const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const EUID = process.geteuid?.() ?? -1;
const EGID = process.getegid?.() ?? -1;
// Read once (reading does not change it; worker threads may read it too). Objects whose mode
// survives it are created with their mode, which saves an fchmod per object.
const UMASK = process.umask();

function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.byteLength; ) off += writeSync(fd, data, off, data.byteLength - off);
}

export async function openStore(dir: string, opts: StoreOptions = {}): Promise<Store> {
  const root = join(dir, STORE_VERSION);
  const objectsDir = join(root, 'objects');
  const tmpDir = join(root, 'tmp');
  const rootsDir = join(root, 'roots');
  const locksDir = join(root, 'locks');
  for (const d of [objectsDir, tmpDir, rootsDir, locksDir, join(root, 'packages')]) await mkdir(d, { recursive: true });
  const owners = opts.owners ?? IS_ROOT;
  const durability = opts.durability ?? 'batch';
  const fanouts = new Set<string>();
  let dirty = false;
  let lock: Promise<StoreLock> | undefined;
  let seq = 0;
  // Temp names: our pid first (cleanTemps reads it), then a nonce drawn once per handle
  // so a dead writer's leftovers under a reused pid never collide with ours.
  const tempPrefix = `${tmpDir}/${process.pid}-${randomBytes(4).toString('hex')}-`;
  /** Indexes waiting for the next sync(), by their final path. */
  const staged = new Map<string, PackageIndex>();

  const pathOf = (key: StoreKey) => `${objectsDir}/${objectRelPath(key)}`;

  async function hold(): Promise<void> {
    if (!lock) {
      lock = acquireStoreLock(locksDir, 'shared', { timeoutMs: opts.lockTimeoutMs });
      await lock;
      await cleanTemps(tmpDir);
    }
    await lock;
  }

  function ensureFanout(key: StoreKey): void {
    const f = key.slice(7, 9);
    if (fanouts.has(f)) return;
    mkdirSync(`${objectsDir}/${f}`, { recursive: true });
    fanouts.add(f);
  }

  /** Is the existing object what `key` promises? Cheap by default; see StoreOptions.verify. */
  async function existingOk(path: string, meta: ObjectMeta, size: number, sha256: string): Promise<boolean> {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || !st.isFile() || st.size !== size || (st.mode & 0o7777) !== (meta.mode & 0o7777)) return false;
    if (Math.trunc(st.mtimeMs / 1000) !== Math.trunc(meta.mtime)) return false;
    if (owners && (st.uid !== meta.uid || st.gid !== meta.gid)) return false;
    if (opts.verify === 'content') return (await hashFile(path)).sha256 === sha256;
    return true;
  }

  /**
   * Give an open temp file its metadata, close it, and rename it into place. Rename, not
   * link: the name is the hash of content and metadata, so replacing an object only ever
   * puts identical bytes there — or repairs a damaged one. Checkouts linked to the old
   * inode keep it.
   */
  async function commit(fd: number, tmp: string, key: StoreKey, meta: ObjectMeta): Promise<void> {
    try {
      try {
        // chown first: it clears suid/sgid bits and file capabilities. New files already
        // belong to us, so the common case (root-owned objects, run as root) skips it.
        if (owners && (meta.uid !== EUID || meta.gid !== EGID)) fchownSync(fd, meta.uid, meta.gid);
        if (!createdWithMode(meta)) fchmodSync(fd, meta.mode & 0o7777);
        futimesSync(fd, meta.mtime, meta.mtime);
        if (durability === 'fsync') fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (meta.xattrs && Object.keys(meta.xattrs).length) {
        await setXattrs([{ path: tmp, xattrs: meta.xattrs }]);
        // setxattr changes ctime only; the mtime set above stands.
      }
      ensureFanout(key);
      renameSync(tmp, pathOf(key));
    } catch (err) {
      await unlinkQuiet(tmp);
      throw err;
    }
    if (durability === 'fsync') await fsyncDir(`${objectsDir}/${key.slice(7, 9)}`);
    dirty = true;
  }

  function tempPath(): string {
    return tempPrefix + ++seq;
  }

  /** A new temp object file, exclusive, with its final mode when open(2) can give it. */
  function openTemp(tmp: string, meta: ObjectMeta): number {
    return openSync(tmp, 'wx', createdWithMode(meta) ? meta.mode & 0o777 : 0o600);
  }

  // Objects up to this size are hashed in memory before anything is written, so one that is
  // already stored costs a single lstat. Most files of an OS tree are far smaller.
  const SMALL = 1024 * 1024;

  /**
   * Small objects run on synchronous fs calls: for files of a few KiB the threadpool round
   * trips of the async API cost more than the syscalls themselves.
   */
  async function addBuffer(data: Uint8Array, meta: ObjectMeta): Promise<AddResult> {
    await hold();
    // One-shot hash: no Hash object per file (two per object with the key's; 10^4+ per build).
    const sha256 = hashOnce('sha256', data, 'hex');
    const key = keyOf(meta, sha256);
    const size = data.byteLength;
    if (await existingOk(pathOf(key), meta, size, sha256)) return { key, size, sha256, added: false };
    const tmp = tempPath();
    const fd = openTemp(tmp, meta);
    try {
      writeAll(fd, data);
    } catch (err) {
      closeSync(fd);
      await unlinkQuiet(tmp);
      throw err;
    }
    await commit(fd, tmp, key, meta);
    return { key, size, sha256, added: true };
  }

  async function addStream(src: Readable | AsyncIterable<Uint8Array>, meta: ObjectMeta, signal?: AbortSignal): Promise<AddResult> {
    await hold();
    const hash = createHash('sha256');
    let size = 0;
    const head: Uint8Array[] = [];
    let fd: number | undefined;
    let tmp = '';
    try {
      for await (const chunk of src as AsyncIterable<Uint8Array>) {
        signal?.throwIfAborted();
        hash.update(chunk);
        size += chunk.byteLength;
        if (fd === undefined && size <= SMALL) {
          head.push(chunk);
          continue;
        }
        if (fd === undefined) {
          // Too big to keep in memory: spill what we have to a temp file and stream on.
          tmp = tempPath();
          fd = openTemp(tmp, meta);
          for (const h of head) writeAll(fd, h);
          head.length = 0;
        }
        writeAll(fd, chunk);
      }
    } catch (err) {
      if (fd !== undefined) {
        closeSync(fd);
        await unlinkQuiet(tmp);
      }
      throw err;
    }
    if (fd === undefined) return addBuffer(Buffer.concat(head, size), meta);
    const sha256 = hash.digest('hex');
    const key = keyOf(meta, sha256);
    if (await existingOk(pathOf(key), meta, size, sha256)) {
      closeSync(fd);
      await unlinkQuiet(tmp);
      return { key, size, sha256, added: false };
    }
    await commit(fd, tmp, key, meta);
    return { key, size, sha256, added: true };
  }

  async function has(key: StoreKey): Promise<boolean> {
    try {
      return (await lstat(pathOf(key))).isFile();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /**
   * has(), synchronously: a warm build checks every object of every index (10^4+ lstats);
   * through the threadpool each costs a round trip that, under load, dwarfs the syscall.
   */
  function hasNow(key: StoreKey): boolean {
    return lstatSync(pathOf(key), { throwIfNoEntry: false })?.isFile() ?? false;
  }

  /**
   * OSTree's order: the batch of objects, one syncfs, then the completion markers. Staged
   * indexes are written to temps before the syncfs, so it makes them durable too; the
   * renames that publish them need no flush of their own, since a rename lost in a crash
   * only means the package is imported again. No index ever names an object that might
   * not have reached the disk.
   */
  async function sync(): Promise<void> {
    if (durability === 'delegated' || (!dirty && !staged.size)) return;
    const batch = [...staged];
    staged.clear();
    dirty = false;
    const temps: string[] = [];
    try {
      for (const [, doc] of batch) {
        const tmp = tempPath();
        temps.push(tmp);
        writeFileSync(tmp, packageIndexText(doc), { flag: 'wx', mode: 0o644 });
      }
      await syncFilesystem(root);
      batch.forEach(([path], i) => {
        mkdirSync(dirname(path), { recursive: true });
        renameSync(temps[i], path);
        temps[i] = '';
      });
    } catch (err) {
      dirty = true; // the objects' flush did not happen (or is unknown): the next sync retries it
      for (const t of temps) if (t) await unlinkQuiet(t);
      throw err;
    }
  }

  return {
    dir,
    root,
    objectsDir,
    rootsDir,
    locksDir,
    owners,
    addStream,
    addBuffer,
    // Small files are read in one synchronous call: see addBuffer.
    addFile: async (path, meta, signal) => {
      const st = lstatSync(path);
      if (st.isFile() && st.size <= SMALL) return addBuffer(readFileSync(path), meta);
      return addStream(createReadStream(path), meta, signal);
    },
    pathOf,
    has,
    async getPackageIndex(sha, importer = DEFAULT_IMPORTER) {
      // Whoever reads an index is about to use its objects: keep gc away from here on.
      await hold();
      return staged.get(packageIndexPath(root, sha, importer)) ?? readPackageIndex(root, sha, importer, hasNow);
    },
    async stagePackageIndex(sha, entries, importer = DEFAULT_IMPORTER) {
      await hold();
      if (durability === 'delegated') throw new StoreError('E_STORE', `${dir}: a handle with delegated durability cannot publish package indexes`);
      staged.set(packageIndexPath(root, sha, importer), encodePackageIndex(sha, entries, importer));
    },
    async putPackageIndex(sha, entries, importer = DEFAULT_IMPORTER) {
      await hold();
      if (durability === 'delegated') throw new StoreError('E_STORE', `${dir}: a handle with delegated durability cannot publish package indexes`);
      staged.set(packageIndexPath(root, sha, importer), encodePackageIndex(sha, entries, importer));
      await sync();
    },
    sync,
    hold,
    async close() {
      const l = lock;
      lock = undefined;
      try {
        // Publish what was imported, even when the caller is failing: those imports are good.
        await sync();
      } finally {
        if (l) await (await l).release();
      }
    },
  };
}

/**
 * Whether open(2) alone gives an object its mode: no suid/sgid/sticky bits (fchmod sets
 * those; chown would clear them anyway) and nothing the umask takes away.
 */
function createdWithMode(meta: ObjectMeta): boolean {
  return (meta.mode & 0o7000) === 0 && (meta.mode & UMASK & 0o777) === 0;
}

export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Remove temps left by writers that died (pid gone). Live writers' temps are theirs. */
async function cleanTemps(tmpDir: string): Promise<void> {
  for (const name of await readdir(tmpDir)) {
    const pid = Number.parseInt(name, 10);
    if (pid === process.pid || pidAlive(pid)) continue;
    await rm(join(tmpDir, name), { force: true, recursive: true });
  }
}

// `vzbuild fsck`: re-hash every object and check it against its key, check the metadata
// on disk against what the package indexes say (a chmod through a hard-linked checkout
// changes the store's inode too), and find index entries whose object is missing.
// --repair removes bad objects and the indexes that need them, so the next build re-imports.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { readXattrsTree, type Xattrs } from '../kernel/xattr.js';
import { unlinkQuiet } from './atomic.js';
import type { PackageIndex } from './package-index.js';
import { acquireStoreLock } from './store-lock.js';
import { keyOf, type ObjectMeta, type StoreKey } from './store-key.js';
import { storePaths, walkIndexes, walkObjects } from './store-walk.js';

export type FsckProblemKind = 'corrupt' | 'metadata' | 'missing' | 'foreign' | 'bad-index';

export interface FsckProblem {
  kind: FsckProblemKind;
  /** The object or index file. */
  path: string;
  key?: StoreKey;
  detail: string;
}

export interface FsckOptions {
  repair?: boolean;
  /** Objects hashed at once (default 4). */
  concurrency?: number;
  lockTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface FsckResult {
  objects: number;
  bytes: number;
  indexes: number;
  problems: FsckProblem[];
  repaired: number;
}

// Labels the kernel adds by itself; never part of what a package asked for.
const IGNORED_XATTRS = new Set(['security.selinux']);

function pickXattrs(x: Xattrs | undefined): Xattrs | undefined {
  if (!x) return undefined;
  const out: Xattrs = {};
  for (const [k, v] of Object.entries(x)) if (!IGNORED_XATTRS.has(k)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path) as AsyncIterable<Buffer>) h.update(c);
  return h.digest('hex');
}

export async function fsckStore(storeDir: string, opts: FsckOptions = {}): Promise<FsckResult> {
  const p = storePaths(storeDir);
  const lock = await acquireStoreLock(p.locks, opts.repair ? 'exclusive' : 'shared', { timeoutMs: opts.lockTimeoutMs, signal: opts.signal });
  try {
    const res: FsckResult = { objects: 0, bytes: 0, indexes: 0, problems: [], repaired: 0 };
    // What each key should look like, according to the indexes that use it.
    const expected = new Map<StoreKey, { meta: ObjectMeta; users: string[] }>();
    const indexKeys = new Map<string, StoreKey[]>();
    for await (const idx of walkIndexes(p.packages)) {
      res.indexes++;
      let doc: PackageIndex;
      try {
        doc = JSON.parse(await readFile(idx.path, 'utf8')) as PackageIndex;
        if (!Array.isArray(doc.entries)) throw new SyntaxError('no entries');
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        res.problems.push({ kind: 'bad-index', path: idx.path, detail: `unreadable package index: ${err.message}` });
        continue;
      }
      const keys: StoreKey[] = [];
      for (const e of doc.entries) {
        if (!e.key) continue;
        keys.push(e.key);
        const x = expected.get(e.key);
        if (x) x.users.push(`${idx.rpmSha256.slice(0, 12)}:${e.path}`);
        else expected.set(e.key, { meta: { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, xattrs: e.xattrs }, users: [`${idx.rpmSha256.slice(0, 12)}:${e.path}`] });
      }
      indexKeys.set(idx.path, keys);
    }
    const diskXattrs = await readXattrsTree(p.objects, opts.signal);
    const owners = process.getuid?.() === 0;
    const present = new Set<StoreKey>();
    const bad = new Set<StoreKey>();

    async function check(key: StoreKey | undefined, path: string): Promise<void> {
      if (!key) {
        res.problems.push({ kind: 'foreign', path, detail: 'not an object name' });
        return;
      }
      present.add(key);
      const st = await lstat(path);
      res.objects++;
      res.bytes += st.size;
      if (!st.isFile()) {
        res.problems.push({ kind: 'corrupt', key, path, detail: 'not a regular file' });
        bad.add(key);
        return;
      }
      const disk: ObjectMeta = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.trunc(st.mtimeMs / 1000), xattrs: pickXattrs(diskXattrs.get(path)) };
      const want = expected.get(key);
      const meta = want?.meta ?? disk;
      const sha = await sha256Of(path);
      const users = want ? ` (used by ${want.users.slice(0, 3).join(', ')}${want.users.length > 3 ? ', …' : ''})` : '';
      if (keyOf(meta, sha) !== key) {
        res.problems.push({ kind: 'corrupt', key, path, detail: `content or metadata no longer matches the key${users}` });
        bad.add(key);
        return;
      }
      if (want) {
        const drift: string[] = [];
        if (disk.mode !== (want.meta.mode & 0o7777)) drift.push(`mode ${disk.mode.toString(8)} ≠ ${(want.meta.mode & 0o7777).toString(8)}`);
        if (disk.mtime !== want.meta.mtime) drift.push(`mtime ${disk.mtime} ≠ ${want.meta.mtime}`);
        if (owners && (disk.uid !== want.meta.uid || disk.gid !== want.meta.gid)) drift.push(`owner ${disk.uid}:${disk.gid} ≠ ${want.meta.uid}:${want.meta.gid}`);
        if (JSON.stringify(disk.xattrs ?? {}) !== JSON.stringify(pickXattrs(want.meta.xattrs) ?? {})) drift.push('xattrs differ');
        if (drift.length) {
          res.problems.push({ kind: 'metadata', key, path, detail: `${drift.join(', ')} — changed through a checkout?${users}` });
          bad.add(key);
        }
      }
    }

    const limit = Math.max(1, opts.concurrency ?? 4);
    let inflight: Promise<void>[] = [];
    for await (const obj of walkObjects(p.objects)) {
      opts.signal?.throwIfAborted();
      inflight.push(check(obj.key, obj.path));
      if (inflight.length >= limit) {
        await Promise.all(inflight);
        inflight = [];
      }
    }
    await Promise.all(inflight);

    for (const [key, x] of expected) {
      if (!present.has(key)) res.problems.push({ kind: 'missing', key, path: x.users[0], detail: `object missing, needed by ${x.users.length} entr${x.users.length === 1 ? 'y' : 'ies'}` });
    }
    if (opts.repair) {
      for (const pr of res.problems) {
        if ((pr.kind === 'corrupt' || pr.kind === 'metadata' || pr.kind === 'foreign') && pr.path.startsWith(p.objects)) {
          await unlinkQuiet(pr.path);
          res.repaired++;
        }
        if (pr.kind === 'bad-index') {
          await unlinkQuiet(pr.path);
          res.repaired++;
        }
      }
      // An index that needs a bad or missing object must be re-imported.
      for (const [path, keys] of indexKeys) {
        if (keys.some((k) => bad.has(k) || !present.has(k))) {
          await unlinkQuiet(path);
          res.repaired++;
        }
      }
    }
    res.problems.sort((a, b) => (a.kind + a.path < b.kind + b.path ? -1 : 1));
    return res;
  } finally {
    await lock.release();
  }
}

// `vzbuild gc`: drop what no live root needs. Roots whose checkout directory is gone are
// forgotten; package indexes no live root uses are removed (unless kept); objects no
// remaining index or root references are unlinked. Runs under the exclusive store lock, so
// a concurrent build (which holds it shared from its first write to its end) never loses
// an object it has just written but not yet recorded.
import { lstat, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { pathExists as exists, unlinkQuiet } from './atomic.js';
import { listRoots, unregisterRoot } from './roots.js';
import { acquireStoreLock } from './store-lock.js';
import type { StoreKey } from './store-key.js';
import { storePaths, walkIndexes, walkObjects } from './store-walk.js';
import type { PackageIndex } from './package-index.js';

export interface GcOptions {
  /** Report what would go, remove nothing. */
  dryRun?: boolean;
  /** Keep every package index (and its objects) even if no live root uses it: a warm cache. */
  keepIndexes?: boolean;
  lockTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface GcResult {
  dryRun: boolean;
  roots: { live: number; removed: string[] };
  indexes: { kept: number; removed: number };
  objects: { kept: number; removed: number };
  /** Bytes actually released (objects no checkout still links). */
  bytesFreed: number;
  /** Bytes of all objects unlinked from the store, including ones still linked from checkouts. */
  bytesUnlinked: number;
  tempsRemoved: number;
}

export async function gcStore(storeDir: string, opts: GcOptions = {}): Promise<GcResult> {
  const p = storePaths(storeDir);
  const dry = opts.dryRun ?? false;
  const lock = await acquireStoreLock(p.locks, 'exclusive', { timeoutMs: opts.lockTimeoutMs, signal: opts.signal });
  try {
    const res: GcResult = { dryRun: dry, roots: { live: 0, removed: [] }, indexes: { kept: 0, removed: 0 }, objects: { kept: 0, removed: 0 }, bytesFreed: 0, bytesUnlinked: 0, tempsRemoved: 0 };
    const livePackages = new Set<string>();
    const liveKeys = new Set<StoreKey>();
    for (const r of await listRoots(p.roots)) {
      if (r.path !== undefined && !(await exists(r.path))) {
        res.roots.removed.push(r.path);
        if (!dry) await unregisterRoot(p.roots, r.id);
        continue;
      }
      res.roots.live++;
      for (const pkg of r.packages) livePackages.add(`${pkg.importer}/${pkg.rpmSha256}`);
      for (const k of r.keys) liveKeys.add(k);
    }
    for await (const idx of walkIndexes(p.packages)) {
      opts.signal?.throwIfAborted();
      let doc: PackageIndex | undefined;
      try {
        doc = JSON.parse(await readFile(idx.path, 'utf8')) as PackageIndex;
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        doc = undefined; // torn or foreign: nothing can use it
      }
      const wanted = opts.keepIndexes || livePackages.has(`${idx.importer}/${idx.rpmSha256}`);
      if (doc && Array.isArray(doc.entries) && wanted) {
        res.indexes.kept++;
        for (const e of doc.entries) if (e.key) liveKeys.add(e.key);
      } else {
        res.indexes.removed++;
        if (!dry) await unlinkQuiet(idx.path);
      }
    }
    for await (const obj of walkObjects(p.objects)) {
      opts.signal?.throwIfAborted();
      if (obj.key && liveKeys.has(obj.key)) {
        res.objects.kept++;
        continue;
      }
      const st = await lstat(obj.path);
      res.objects.removed++;
      res.bytesUnlinked += st.size;
      // Another link (a checkout) keeps the data alive; only the last link frees blocks.
      if (st.nlink <= 1) res.bytesFreed += st.blocks * 512;
      if (!dry) await rm(obj.path, { force: true, recursive: true });
    }
    // With the exclusive lock held nobody is writing: every temp is a crash leftover.
    for (const name of await readdir(p.tmp).catch(() => [] as string[])) {
      res.tempsRemoved++;
      if (!dry) await rm(join(p.tmp, name), { force: true, recursive: true });
    }
    return res;
  } finally {
    await lock.release();
  }
}

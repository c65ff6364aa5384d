// Checkouts: materialise tree entries (package by package, in rpm's transaction order) into
// a directory. Regular files are hard links to store objects; later entries replace
// earlier ones at the same path as rpm does, directories merge. Read-only by contract:
// anything that must change a file in place calls breakLink() first (copy-up).
//
// OSTree's lessons, applied: empty files are created, never linked (programs write to
// them in place, and a store-wide empty inode would collect millions of links); links are
// never made across filesystems (the method is probed once and recorded, EXDEV copies);
// EMLINK (ext4's 65000 links) spills to a fresh copy that later links reuse; a package's
// own hard-link groups are kept. All paths go through walkInRoot (safe-path.ts).
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { link, lstat, mkdir, utimes, writeFile } from 'node:fs/promises';
import { isErrno } from '../builder/errors.js';
import type { Logger } from '../builder/context.js';
import { unlinkQuiet } from './atomic.js';
import { applyMeta, copyUp, makeCopy, makeDeviceOrFifo, makeEmptyFile, makeSymlink, place, type MetaOptions } from './checkout-ops.js';
import { CheckoutConflictError, StoreError } from './errors.js';
import { registerRoot, rootIdFor } from './roots.js';
import { walkInRoot, type Probe, type ProbeResult, type Walked } from './safe-path.js';
import type { Store } from './store.js';
import type { StoreKey } from './store-key.js';
import type { TreeEntry } from './tree-entry.js';
import { DEFAULT_IMPORTER } from './package-index.js';

export type CheckoutMethod = 'auto' | 'hardlink' | 'copy';
export const CHECKOUT_METHODS: readonly CheckoutMethod[] = ['auto', 'hardlink', 'copy'];

export interface CheckoutOptions {
  method?: CheckoutMethod;
  /** Apply uid/gid (default: when root). */
  owners?: boolean;
  /** Create char/block device nodes (default: when root); otherwise they are skipped and listed. */
  devices?: boolean;
  /** Links per object before spilling to a copy (default 65000, ext4's limit; tests use small ones). */
  linkLimit?: number;
  /** Parallel file operations (default 16). */
  concurrency?: number;
  /** Register the checkout as a gc root (default true). */
  register?: boolean;
  log?: Logger;
}

/** Where a batch of entries came from: a package index (gc keeps it) or loose objects. */
export interface EntrySource {
  rpmSha256: string;
  importer?: string;
}

export interface CheckoutResult {
  root: string;
  method: 'hardlink' | 'copy';
  /** Why copy was chosen, when it was. */
  methodReason?: string;
  files: number;
  linked: number;
  copied: number;
  empty: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  nodes: number;
  /** Device nodes not created (unprivileged mode). */
  skippedNodes: string[];
  /** Copies made because an object hit the link limit. */
  spilled: number;
  /**
   * The packages' own hard-link sets, as real tree paths (after symlinks in the tree).
   * Files sharing a store object share an inode too, by accident of storage; a template
   * cache should link only these (packTemplate's `hardLinks` option).
   */
  linkGroups: string[][];
}

export interface Checkout {
  readonly root: string;
  readonly method: 'hardlink' | 'copy';
  add(entries: readonly TreeEntry[], source?: EntrySource): Promise<void>;
  breakLink(path: string): Promise<boolean>;
  finish(): Promise<CheckoutResult>;
}

const IS_ROOT = process.getuid?.() === 0;

/**
 * Probe a root-relative path with lstat. Synchronous calls: a checkout is tens of thousands
 * of tiny metadata operations, where libuv threadpool round trips cost more than the work.
 */
function fsProbe(root: string): Probe {
  return async (rel) => {
    const abs = rel ? `${root}/${rel}` : root;
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return { kind: 'missing' };
    if (st.isDirectory()) return { kind: 'dir' };
    if (st.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(abs) };
    return st.isFile() ? { kind: 'file' } : { kind: 'other' };
  };
}

/** Can we hard-link from the store into `target`? One link attempt, undone at once. */
async function probeMethod(store: Store, target: string, wanted: CheckoutMethod): Promise<{ method: 'hardlink' | 'copy'; reason?: string }> {
  if (!CHECKOUT_METHODS.includes(wanted)) throw new StoreError('E_CHECKOUT_METHOD', `unknown checkout method ${JSON.stringify(wanted)} (one of ${CHECKOUT_METHODS.join(', ')})`);
  if (wanted === 'copy') return { method: 'copy', reason: 'requested' };
  const probe = `${store.root}/probe`;
  await writeFile(probe, '', { flag: 'a' });
  const dest = `${target}/.vzbuild-probe-${randomBytes(5).toString('hex')}`;
  try {
    await link(probe, dest);
    await unlinkQuiet(dest);
    return { method: 'hardlink' };
  } catch (err) {
    // EXDEV: another filesystem. EPERM: protected_hardlinks or a filesystem without links.
    if (!isErrno(err, 'EXDEV') && !isErrno(err, 'EPERM') && !isErrno(err, 'EMLINK')) throw err;
    if (wanted === 'hardlink') {
      throw new StoreError('E_CHECKOUT_METHOD', `cannot hard-link from store ${store.root} into ${target}: ${err.code}`, { hint: 'put the store and checkouts on one filesystem, or use --checkout-method copy', cause: err });
    }
    return { method: 'copy', reason: `${err.code} linking ${store.root} → ${target}` };
  }
}

export async function openCheckout(store: Store, root: string, opts: CheckoutOptions = {}): Promise<Checkout> {
  await store.hold();
  await mkdir(root, { recursive: true });
  const { method, reason } = await probeMethod(store, root, opts.method ?? 'auto');
  opts.log?.debug(`checkout ${root}: ${method}${reason ? ` (${reason})` : ''}`);
  const meta: MetaOptions = { owners: opts.owners ?? IS_ROOT };
  const devices = opts.devices ?? IS_ROOT;
  const linkLimit = opts.linkLimit ?? 65000;
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const register = opts.register ?? true;
  const rootId = rootIdFor(root);
  const packages: { rpmSha256: string; importer: string }[] = [];
  const looseKeys = new Set<StoreKey>();
  const res: CheckoutResult = { root, method, methodReason: reason, files: 0, linked: 0, copied: 0, empty: 0, dirs: 0, symlinks: 0, hardlinks: 0, nodes: 0, skippedNodes: [], spilled: 0, linkGroups: [] };
  const groups = new Map<string, Set<string>>();
  // Directories this checkout made or verified. Only this checkout writes the tree and it
  // never replaces a directory, so a directory once seen stays one.
  const knownDirs = new Set<string>(['']);
  const rawProbe = fsProbe(root);
  const probe: Probe = async (rel) => (knownDirs.has(rel) ? { kind: 'dir' } : rawProbe(rel));
  const mkdirIn = async (rel: string) => {
    try {
      mkdirSync(`${root}/${rel}`, { mode: 0o755 });
      // A parent no entry describes: root-owned 0755, as rpm makes them.
      await applyMeta(`${root}/${rel}`, { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 }, meta);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err; // a parallel file op made it
    }
    knownDirs.add(rel);
  };
  const dirTimes = new Map<string, number>();
  // Link source per object: the store object, or a spill copy once the object is full.
  const linkCounts = new Map<StoreKey, number>();
  const spills = new Map<StoreKey, { path: string; ino: number }>();

  const abs = (w: Walked) => `${root}/${[...w.dir, w.name].join('/')}`;
  const walk = (path: string, followLast = false) => walkInRoot(path, probe, { mkdir: mkdirIn, followLast });

  function refuseDir(e: TreeEntry, leaf: ProbeResult): void {
    if (leaf.kind === 'dir') throw new CheckoutConflictError(e.path, `a directory is in the way of this ${e.type} (rpm cannot replace a directory either)`);
  }

  async function linkFrom(src: string, dest: string, replace: boolean): Promise<void> {
    if (!replace) {
      try {
        linkSync(src, dest);
        return;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        // A duplicate entry got there first: replace it like any existing file.
      }
    }
    await place(dest, true, (p) => link(src, p));
  }

  async function spill(key: StoreKey, dest: string, replace: boolean, e: TreeEntry): Promise<void> {
    await place(dest, replace, (p) => makeCopy(store.pathOf(key), p, e, meta));
    spills.set(key, { path: dest, ino: (await lstat(dest)).ino });
    linkCounts.set(key, 1);
    res.spilled++;
    res.copied++;
  }

  async function addFile(e: TreeEntry): Promise<void> {
    const w = await walk(e.path);
    refuseDir(e, w.leaf);
    const dest = abs(w);
    const replace = w.leaf.kind !== 'missing';
    res.files++;
    if (!e.key || e.size === 0) {
      await place(dest, replace, (p) => makeEmptyFile(p, e, meta));
      res.empty++;
      return;
    }
    if (method === 'copy' || e.noLink) {
      await place(dest, replace, (p) => makeCopy(store.pathOf(e.key as StoreKey), p, e, meta));
      res.copied++;
      return;
    }
    const key = e.key;
    let src = store.pathOf(key);
    const sp = spills.get(key);
    // A spill copy lives in the tree; a later package may have replaced it since.
    if (sp && (await lstat(sp.path).then((s) => s.ino === sp.ino, () => false))) src = sp.path;
    else if (sp) spills.delete(key);
    let count = linkCounts.get(key);
    if (count === undefined) count = lstatSync(src).nlink;
    if (count >= linkLimit) return spill(key, dest, replace, e);
    try {
      await linkFrom(src, dest, replace);
      linkCounts.set(key, count + 1);
      res.linked++;
    } catch (err) {
      if (isErrno(err, 'EMLINK')) return spill(key, dest, replace, e);
      if (!isErrno(err, 'EXDEV')) throw err;
      // A mount inside the target: this file is copied; the rest keep linking.
      await place(dest, replace, (p) => makeCopy(src, p, e, meta));
      res.copied++;
    }
  }

  async function addDir(e: TreeEntry): Promise<void> {
    const w = await walk(e.path, true);
    const dest = abs(w);
    const rel = [...w.dir, w.name].join('/');
    if (w.leaf.kind === 'missing') {
      try {
        mkdirSync(dest, { mode: 0o700 }); // final mode below, after the owner
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err; // a parallel file op made it as a parent
      }
    } else if (w.leaf.kind !== 'dir') {
      throw new CheckoutConflictError(e.path, `a ${w.leaf.kind} is in the way of this directory`);
    }
    knownDirs.add(rel);
    res.dirs++;
    // A symlink standing where a package has a directory (/lib64 → usr/lib64) is kept, and
    // the directory it points to keeps its own metadata, as rpm does.
    if (w.followedLast) return;
    await applyMeta(dest, e, meta);
    dirTimes.set(dest, e.mtime);
  }

  async function addOther(e: TreeEntry): Promise<void> {
    const w = await walk(e.path);
    refuseDir(e, w.leaf);
    const dest = abs(w);
    const replace = w.leaf.kind !== 'missing';
    if (e.type === 'symlink') {
      await place(dest, replace, (p) => makeSymlink(p, e, meta));
      res.symlinks++;
    } else if (e.type === 'hardlink') {
      // Only to a regular file inside this tree, reached without leaving the root.
      const t = await walkInRoot(e.linkTarget as string, probe);
      if (t.leaf.kind !== 'file') throw new CheckoutConflictError(e.path, `hard link target ${e.linkTarget} is ${t.leaf.kind === 'missing' ? 'missing' : `a ${t.leaf.kind}`}, not a regular file in this tree`);
      try {
        await linkFrom(abs(t), dest, replace);
      } catch (err) {
        if (!isErrno(err, 'EMLINK')) throw err;
        await place(dest, replace, (p) => makeCopy(abs(t), p, e, meta));
      }
      res.hardlinks++;
      const targetRel = [...t.dir, t.name].join('/');
      const g = groups.get(targetRel) ?? new Set([targetRel]);
      g.add([...w.dir, w.name].join('/'));
      groups.set(targetRel, g);
    } else if (e.type === 'fifo' || devices) {
      await place(dest, replace, (p) => makeDeviceOrFifo(p, e, meta));
      res.nodes++;
    } else {
      res.skippedNodes.push(e.path);
      opts.log?.warn(`${e.path}: ${e.type} not created (unprivileged checkout)`);
    }
  }

  async function add(entries: readonly TreeEntry[], source?: EntrySource): Promise<void> {
    if (source) packages.push({ rpmSha256: source.rpmSha256, importer: source.importer ?? DEFAULT_IMPORTER });
    let batch: Promise<void>[] = [];
    const flush = async () => {
      const results = await Promise.allSettled(batch);
      batch = [];
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    };
    for (const e of entries) {
      if (!source && e.key) looseKeys.add(e.key);
      if (e.type === 'file') {
        // Regular files never change how later paths resolve, so they run in parallel.
        batch.push(addFile(e));
        if (batch.length >= concurrency) await flush();
        continue;
      }
      await flush();
      if (e.type === 'dir') await addDir(e);
      else await addOther(e);
    }
    await flush();
  }

  async function writeRecord(): Promise<void> {
    if (register) await registerRoot(store.rootsDir, { id: rootId, path: root, packages, keys: [...looseKeys] });
  }
  await writeRecord();

  return {
    root,
    method,
    add,
    async breakLink(path: string) {
      const w = await walk(path, true);
      if (w.leaf.kind !== 'file') throw new CheckoutConflictError(path, `cannot copy-up: not a regular file (${w.leaf.kind})`);
      return copyUp(abs(w));
    },
    async finish() {
      // Directory times last (adding entries touched them), deepest first.
      const dirs = [...dirTimes].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
      for (const [d, t] of dirs) await utimes(d, t, t);
      await writeRecord();
      res.linkGroups = [...groups.values()].map((g) => [...g].sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
      return res;
    },
  };
}

/** Check out one tree in one go. */
export async function checkoutTree(store: Store, entries: readonly TreeEntry[], targetDir: string, opts: CheckoutOptions & { source?: EntrySource } = {}): Promise<CheckoutResult> {
  const co = await openCheckout(store, targetDir, opts);
  await co.add(entries, opts.source);
  return co.finish();
}

/** Copy-up a file inside any tree (no checkout handle needed), following symlinks within `root`. */
export async function breakLink(root: string, path: string): Promise<boolean> {
  const w = await walkInRoot(path, fsProbe(root), { followLast: true });
  if (w.leaf.kind !== 'file') throw new CheckoutConflictError(path, `cannot copy-up: not a regular file (${w.leaf.kind})`);
  return copyUp(`${root}/${[...w.dir, w.name].join('/')}`);
}

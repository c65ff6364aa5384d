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
import { chmodSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdir as mkdirCb, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { link, mkdir, writeFile } from 'node:fs/promises';
import { isErrno } from '../builder/errors.js';
import type { Logger } from '../builder/context.js';
import { unlinkQuiet } from './atomic.js';
import { copyUp, makeCopy, makeEmptyFile, makeSymlink, place, placeNode, type MetaOptions } from './checkout-ops.js';
import { CheckoutConflictError, StoreError, UnsafePathError } from './errors.js';
import { setXattrs } from '../kernel/xattr.js';
import { registerRoot, rootIdFor } from './roots.js';
import { splitEntryPath, walkInRoot, type Probe, type Walked } from './safe-path.js';
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
  /** Directory entries none of which is inside another (e.g. one depth of a package), made in parallel. */
  addDirs(entries: readonly TreeEntry[]): Promise<void>;
  breakLink(path: string): Promise<boolean>;
  /** Forget what the checkout knows about the tree: call after anything else wrote to it (a scriptlet). */
  invalidate(): void;
  finish(): Promise<CheckoutResult>;
}

const IS_ROOT = process.getuid?.() === 0;
/** ext4's per-inode link limit. At or above it the kernel's EMLINK is the only count we need. */
const KERNEL_LINK_MAX = 65000;
/** mkdir(mode) gives mode & ~umask; read once (it is process-wide and nothing here changes it). */
const UMASK = process.umask();
const S_ISGID = 0o2000;
/** addDirs: below this many, one after another (no threadpool round trips); mkdirs in flight at once. */
const DIRS_PARALLEL_MIN = 8;
const DIRS_IN_FLIGHT = 16;

/** lstat a root-relative path (synchronous: see checkout-ops.ts for why). */
function fsProbe(root: string): Probe {
  return (rel) => {
    const abs = rel ? `${root}/${rel}` : root;
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return { kind: 'missing' };
    if (st.isDirectory()) return { kind: 'dir' };
    if (st.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(abs) };
    return st.isFile() ? { kind: 'file' } : { kind: 'other' };
  };
}

const kindOf = (st: Stats) => (st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other');

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

/** A directory named by entries: its real path in the tree (after symlinks) and whether it is setgid (new entries inherit its group). */
interface Dir {
  real: string;
  sgid: boolean;
}

export async function openCheckout(store: Store, root: string, opts: CheckoutOptions = {}): Promise<Checkout> {
  await store.hold();
  await mkdir(root, { recursive: true });
  const { method, reason } = await probeMethod(store, root, opts.method ?? 'auto');
  opts.log?.debug(`checkout ${root}: ${method}${reason ? ` (${reason})` : ''}`);
  const meta: MetaOptions = { owners: opts.owners ?? IS_ROOT };
  const devices = opts.devices ?? IS_ROOT;
  const linkLimit = opts.linkLimit ?? KERNEL_LINK_MAX;
  const register = opts.register ?? true;
  const rootId = rootIdFor(root);
  const packages: { rpmSha256: string; importer: string }[] = [];
  const looseKeys = new Set<StoreKey>();
  const res: CheckoutResult = { root, method, methodReason: reason, files: 0, linked: 0, copied: 0, empty: 0, dirs: 0, symlinks: 0, hardlinks: 0, nodes: 0, skippedNodes: [], spilled: 0, linkGroups: [] };
  const groups = new Map<string, Set<string>>();
  const probe = fsProbe(root);
  const abs = (rel: string) => (rel ? `${root}/${rel}` : root);

  // Entry directory (as entries name it) → where it really is. Each one is resolved once:
  // the common case is then one syscall per entry (link, mkdir, symlink), with lstat only
  // when something is already there. Valid while this checkout is the only writer: after
  // anything else writes the tree (a scriptlet), invalidate() drops it, since a directory
  // might have become a symlink pointing out of the root.
  let dirs = new Map<string, Dir>();
  const resetDirs = () => {
    dirs = new Map([['', { real: '', sgid: (lstatSync(root).mode & S_ISGID) !== 0 }]]);
  };
  resetDirs();

  /** A parent no entry describes: root-owned 0755, as rpm makes them. */
  function makeParent(real: string, parentSgid: boolean): Dir {
    try {
      mkdirSync(abs(real), 0o755);
      if (meta.owners && parentSgid) lchownSync(abs(real), 0, 0); // it inherited the parent's group
      if (parentSgid || (0o755 & ~UMASK) !== 0o755) chmodSync(abs(real), 0o755);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      if (!lstatSync(abs(real)).isDirectory()) throw new UnsafePathError(real, 'is not a directory');
    }
    return { real, sgid: false };
  }

  /** Where the entry directory `lex` really is, made (with its parents) when missing; undefined when missing and !create. */
  function resolveDir(lex: string, create = true): Dir | undefined {
    const hit = dirs.get(lex);
    if (hit) return hit;
    const cut = lex.lastIndexOf('/');
    const parent = resolveDir(cut < 0 ? '' : lex.slice(0, cut), create);
    if (!parent) return undefined;
    const real = parent.real ? `${parent.real}/${lex.slice(cut + 1)}` : lex.slice(cut + 1);
    const st = lstatSync(abs(real), { throwIfNoEntry: false });
    let d: Dir | undefined;
    if (st?.isDirectory()) d = { real, sgid: (st.mode & S_ISGID) !== 0 };
    else if (!st) d = create ? makeParent(real, parent.sgid) : undefined;
    else d = followDir(lex, create); // a symlink (or something that is no directory)
    if (d) dirs.set(lex, d);
    return d;
  }

  /** The slow path: walk `lex` from the root, following symlinks chroot-style (safe-path.ts). */
  function followDir(lex: string, create: boolean): Dir | undefined {
    let w: Walked;
    try {
      w = walkInRoot(lex, probe, { followLast: true, mkdir: create ? (rel) => void makeParent(rel, false) : undefined });
    } catch (err) {
      if (!create && err instanceof UnsafePathError) return undefined; // changed under us: nothing of ours there
      throw err;
    }
    const real = [...w.dir, w.name].filter(Boolean).join('/');
    if (w.leaf.kind === 'missing') return create ? makeParent(real, false) : undefined;
    if (w.leaf.kind !== 'dir') {
      if (!create) return undefined;
      throw new UnsafePathError(lex, `${real} is not a directory`);
    }
    return { real, sgid: (lstatSync(abs(real)).mode & S_ISGID) !== 0 };
  }

  /** Where an entry goes: its directory resolved (and made), the leaf not looked at. */
  function leafOf(path: string): { dir: Dir; rel: string; dest: string } {
    const comps = splitEntryPath(path);
    const name = comps[comps.length - 1];
    const dir = resolveDir(comps.length > 1 ? path.slice(0, path.length - name.length - 1) : '') as Dir;
    const rel = dir.real ? `${dir.real}/${name}` : name;
    return { dir, rel, dest: abs(rel) };
  }

  const refuseDir = (e: TreeEntry) => (st: Stats) => {
    if (st.isDirectory()) throw new CheckoutConflictError(e.path, `a directory is in the way of this ${e.type} (rpm cannot replace a directory either)`);
  };
  /** chown only when the result would differ: made by root, root's unless the directory is setgid. */
  const metaIn = (e: TreeEntry, dir: Dir): MetaOptions => ({ owners: meta.owners && (e.uid !== 0 || e.gid !== 0 || dir.sgid) });
  const xattrsOf = (e: TreeEntry, dest: string) => (e.xattrs && Object.keys(e.xattrs).length ? setXattrs([{ path: dest, xattrs: e.xattrs }]) : undefined);

  const dirTimes = new Map<string, number>();
  // Link source per object: the store object, or a spill copy once the object is full.
  // Counted only for a limit below the kernel's (tests); otherwise EMLINK says when.
  const countLinks = linkLimit < KERNEL_LINK_MAX;
  const linkCounts = new Map<StoreKey, number>();
  const spills = new Map<StoreKey, { path: string; ino: number }>();

  function spill(key: StoreKey, dest: string, e: TreeEntry, m: MetaOptions): Promise<void> | undefined {
    place(dest, (p) => makeCopy(store.pathOf(key), p, e, m), refuseDir(e));
    spills.set(key, { path: dest, ino: lstatSync(dest).ino });
    linkCounts.set(key, 1);
    res.spilled++;
    res.copied++;
    return xattrsOf(e, dest);
  }

  function addFile(e: TreeEntry): Promise<void> | undefined {
    const { dir, dest } = leafOf(e.path);
    const m = metaIn(e, dir);
    res.files++;
    if (!e.key || e.size === 0) {
      place(dest, (p) => makeEmptyFile(p, e, m), refuseDir(e));
      res.empty++;
      return xattrsOf(e, dest);
    }
    if (method === 'copy' || e.noLink) {
      place(dest, (p) => makeCopy(store.pathOf(e.key as StoreKey), p, e, m), refuseDir(e));
      res.copied++;
      return xattrsOf(e, dest);
    }
    // A linked file shares the object's inode, owner, mode and xattrs: nothing to apply.
    const key = e.key;
    let src = store.pathOf(key);
    const sp = spills.get(key);
    // A spill copy lives in the tree; a later package may have replaced it since.
    if (sp && lstatSync(sp.path, { throwIfNoEntry: false })?.ino === sp.ino) src = sp.path;
    else if (sp) spills.delete(key);
    let count = 0;
    if (countLinks) {
      count = linkCounts.get(key) ?? lstatSync(src).nlink;
      if (count >= linkLimit) return spill(key, dest, e, m);
    }
    try {
      place(dest, (p) => linkSync(src, p), refuseDir(e));
      if (countLinks) linkCounts.set(key, count + 1);
      res.linked++;
    } catch (err) {
      if (isErrno(err, 'EMLINK')) return spill(key, dest, e, m);
      if (!isErrno(err, 'EXDEV')) throw err;
      // A mount inside the target: this file is copied; the rest keep linking.
      place(dest, (p) => makeCopy(src, p, e, m), refuseDir(e));
      res.copied++;
    }
    return undefined;
  }

  function addDir(e: TreeEntry): Promise<void> | undefined {
    const leaf = leafOf(e.path);
    let made = true;
    try {
      mkdirSync(leaf.dest, e.mode & 0o1777);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      made = false;
    }
    return dirPlaced(e, leaf, made);
  }

  /** A directory entry after its mkdir: metadata when we made it, the merge rules when something was there. */
  function dirPlaced(e: TreeEntry, { dir, rel, dest }: { dir: Dir; rel: string; dest: string }, made: boolean): Promise<void> | undefined {
    res.dirs++;
    let st: Stats | undefined;
    if (!made) {
      st = lstatSync(dest);
      if (st.isSymbolicLink()) {
        // A symlink standing where a package has a directory (/lib64 → usr/lib64) is kept,
        // and the directory it points to keeps its own metadata, as rpm does.
        resolveDir(e.path);
        return undefined;
      }
      if (!st.isDirectory()) throw new CheckoutConflictError(e.path, `a ${kindOf(st)} is in the way of this directory`);
    }
    // mkdir gave mode & ~umask (plus setgid from a setgid parent) and root's owner:
    // chown, then chmod (after chown, which may clear set-id bits), only when different.
    const mode = e.mode & 0o7777;
    const have = st ? { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } : { mode: (e.mode & 0o1777 & ~UMASK) | (dir.sgid ? S_ISGID : 0), uid: 0, gid: dir.sgid ? -1 : 0 };
    const chown = meta.owners && (have.uid !== e.uid || have.gid !== e.gid);
    if (chown) lchownSync(dest, e.uid, e.gid);
    if (chown || have.mode !== mode) chmodSync(dest, mode);
    dirs.set(e.path, { real: rel, sgid: (mode & S_ISGID) !== 0 });
    dirTimes.set(e.path, e.mtime);
    return xattrsOf(e, dest);
  }

  /**
   * Directories none of which is inside another (one depth of one package): parents are
   * resolved here, in order, then the mkdirs run on the threadpool, several at once. A
   * mkdir is the one expensive call of a checkout (inode allocation: on ext4 without a
   * journal it scans past every recently freed inode), and directories in different
   * parents are made in parallel by the kernel. The tree cannot change meanwhile: nothing
   * else writes it during a checkout, and these calls only make directories (mkdir never
   * follows a symlink in the last component), so each one lands where leafOf resolved it.
   */
  async function addDirs(entries: readonly TreeEntry[]): Promise<void> {
    if (entries.length < DIRS_PARALLEL_MIN) return add(entries);
    // mkdir holds its parent's lock: siblings made at once only queue (spinning) behind
    // each other. Interleave by parent (first child of every parent, then the second, …)
    // so that the calls in flight are in different directories.
    const byParent = new Map<string, TreeEntry[]>();
    for (const e of entries) {
      const parent = e.path.slice(0, Math.max(0, e.path.lastIndexOf('/')));
      const l = byParent.get(parent);
      if (l) l.push(e);
      else byParent.set(parent, [e]);
    }
    const groups = [...byParent.values()];
    const ordered: TreeEntry[] = [];
    for (let k = 0; ordered.length < entries.length; k++) for (const g of groups) if (k < g.length) ordered.push(g[k]);
    entries = ordered;
    const leaves = entries.map((e) => {
      if (e.type !== 'dir') throw new TypeError(`addDirs: ${e.path} is a ${e.type}`);
      return leafOf(e.path);
    });
    const made = await new Promise<(boolean | Error)[]>((resolve) => {
      const out = new Array<boolean | Error>(entries.length);
      let next = 0;
      let done = 0;
      const start = () => {
        const i = next++;
        mkdirCb(leaves[i].dest, entries[i].mode & 0o1777, (err) => {
          out[i] = !err ? true : err.code === 'EEXIST' ? false : err;
          if (++done === entries.length) resolve(out);
          else if (next < entries.length) start();
        });
      };
      for (let k = 0; k < Math.min(DIRS_IN_FLIGHT, entries.length); k++) start();
    });
    for (const [i, e] of entries.entries()) {
      const m = made[i];
      if (m instanceof Error) throw m;
      const pending = dirPlaced(e, leaves[i], m);
      if (pending) await pending;
    }
  }

  async function addOther(e: TreeEntry): Promise<void> {
    const { dir, rel, dest } = leafOf(e.path);
    const m = metaIn(e, dir);
    if (e.type === 'symlink') {
      // Replacing a link may change where cached directory paths lead.
      if (place(dest, (p) => makeSymlink(p, e, m), refuseDir(e))) resetDirs();
      res.symlinks++;
      await xattrsOf(e, dest);
    } else if (e.type === 'hardlink') {
      // Only to a regular file inside this tree, reached without leaving the root.
      const t = walkInRoot(e.linkTarget as string, probe);
      if (t.leaf.kind !== 'file') throw new CheckoutConflictError(e.path, `hard link target ${e.linkTarget} is ${t.leaf.kind === 'missing' ? 'missing' : `a ${t.leaf.kind}`}, not a regular file in this tree`);
      const targetRel = [...t.dir, t.name].join('/');
      try {
        place(dest, (p) => linkSync(abs(targetRel), p), refuseDir(e));
      } catch (err) {
        if (!isErrno(err, 'EMLINK')) throw err;
        place(dest, (p) => makeCopy(abs(targetRel), p, e, m), refuseDir(e));
      }
      res.hardlinks++;
      const g = groups.get(targetRel) ?? new Set([targetRel]);
      g.add(rel);
      groups.set(targetRel, g);
    } else if (e.type === 'fifo' || devices) {
      await placeNode(dest, e, m, refuseDir(e));
      await xattrsOf(e, dest);
      res.nodes++;
    } else {
      res.skippedNodes.push(e.path);
      opts.log?.warn(`${e.path}: ${e.type} not created (unprivileged checkout)`);
    }
  }

  // One entry at a time, synchronously unless it needs a host tool (xattrs, device nodes):
  // entries depend on earlier ones (parents, replacements), and in-order sync calls beat
  // any parallelism over the threadpool here.
  async function add(entries: readonly TreeEntry[], source?: EntrySource): Promise<void> {
    if (source) packages.push({ rpmSha256: source.rpmSha256, importer: source.importer ?? DEFAULT_IMPORTER });
    for (const e of entries) {
      if (!source && e.key) looseKeys.add(e.key);
      const pending = e.type === 'file' ? addFile(e) : e.type === 'dir' ? addDir(e) : addOther(e);
      if (pending) await pending;
    }
  }

  async function writeRecord(): Promise<void> {
    if (register) await registerRoot(store.rootsDir, { id: rootId, path: root, packages, keys: [...looseKeys] });
  }
  await writeRecord();

  return {
    root,
    method,
    add,
    addDirs,
    invalidate: resetDirs,
    async breakLink(path: string) {
      const w = walkInRoot(path, probe, { followLast: true });
      if (w.leaf.kind !== 'file') throw new CheckoutConflictError(path, `cannot copy-up: not a regular file (${w.leaf.kind})`);
      return copyUp(abs([...w.dir, w.name].join('/')));
    },
    async finish() {
      // Directory times last (adding entries touched them), each directory resolved as
      // for an entry: through what is known since the last invalidate(), looked up again
      // otherwise (a scriptlet may have swapped one for a link out of the tree).
      for (const [lex, t] of dirTimes) {
        const d = resolveDir(lex, false);
        if (d) lutimesSync(abs(d.real), t, t);
      }
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
  const w = walkInRoot(path, fsProbe(root), { followLast: true });
  if (w.leaf.kind !== 'file') throw new CheckoutConflictError(path, `cannot copy-up: not a regular file (${w.leaf.kind})`);
  return copyUp(`${root}/${[...w.dir, w.name].join('/')}`);
}

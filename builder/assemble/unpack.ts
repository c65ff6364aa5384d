// Unpacking packages into the root through the content-addressed store. A package is
// imported once (import.ts); every root then gets a checkout of its store listing,
// package by package in transaction order, adjusted for this root the way rpm adjusts at
// install time: owners resolved by name in the root's own /etc/passwd and
// /etc/group (as they are when the package is installed, after earlier %pre scripts),
// %config files copied instead of linked (they get edited in place), 64-bit ELF files
// winning over 32-bit ones at a shared path (rpm's multilib colour rule).
// Metadata comes from the header, never the cpio. Path safety is the checkout's
// (cache/safe-path.ts: chroot-semantics walk); we refuse ".." paths up front and name the
// package in every error.
import { lstatSync } from 'node:fs';
import { chmod, chown } from 'node:fs/promises';
import { posix } from 'node:path';
import { openCheckout, type Checkout, type CheckoutMethod, type Store, type TreeEntry, StoreError } from '../../cache/index.js';
import type { Logger } from '../context.js';
import { formatNevra } from '../model/package.js';
import { UnsafePathError } from './errors.js';
import { ASSEMBLE_IMPORTER } from './import.js';
import { lookupId, rootedFs } from './rooted-fs.js';
import type { InstallFile, InstallPackage } from './types.js';

const rel = (p: string) => p.replace(/^\/+/, '');

export interface RootCheckout {
  checkout: Checkout;
  /** Colour of the file now at each coloured path (multilib rule). */
  colors: Map<string, number>;
  prefColor: number;
  root: string;
  log: Logger;
  /** mtime of "/" from the package owning it, applied when the checkout is finished. */
  rootMtime?: number;
}

export async function openRootCheckout(store: Store, root: string, method: CheckoutMethod, log: Logger, prefColor = 2): Promise<RootCheckout> {
  return { checkout: await openCheckout(store, root, { method, log }), colors: new Map(), prefColor, root, log };
}

/** Place one package's entries into the root (after its %pre, before its %post). */
export async function checkoutPackage(rc: RootCheckout, pkg: InstallPackage, entries: readonly TreeEntry[]): Promise<{ files: number; bytes: number }> {
  const nevra = formatNevra(pkg);
  const byPath = new Map<string, InstallFile>();
  for (const f of pkg.files) byPath.set(rel(f.path), f);
  const fs = rootedFs(rc.root);
  const ids = new Map<string, number>();
  const idOf = (db: 'passwd' | 'group', name: string): number => {
    if (name === 'root') return 0;
    const k = `${db}:${name}`;
    let id = ids.get(k);
    if (id === undefined) {
      // rpm: "user X does not exist - using root"
      id = lookupId(fs, db, name)?.id ?? 0;
      if (!lookupId(fs, db, name)) rc.log.warn(`${nevra}: ${db === 'passwd' ? 'user' : 'group'} ${name} does not exist - using root`);
      ids.set(k, id);
    }
    return id;
  };
  const out: TreeEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const f = byPath.get(e.path);
    if (!f) throw new UnsafePathError(nevra, '/' + e.path, 'store index entry not in the package header (stale index?)');
    if (f.color) {
      const prev = rc.colors.get(e.path);
      // Both coloured and different: the preferred (64-bit) one stays, whichever came first.
      if (prev && prev !== f.color && f.color !== rc.prefColor) continue;
      rc.colors.set(e.path, f.color);
    } else rc.colors.delete(e.path);
    let x: TreeEntry = e;
    if (f.user !== 'root' || f.group !== 'root') x = { ...x, uid: idOf('passwd', f.user), gid: idOf('group', f.group) };
    // A hard link shares the store object's inode and owner: other owners, and %config
    // files edited in place, get their own copy.
    if (x.type === 'file' && (f.config || x.uid !== 0 || x.gid !== 0)) x = { ...x, noLink: true };
    out.push(x);
    bytes += x.size;
  }
  // %ghost files are not created, but the directories they live in are.
  for (const f of pkg.files) {
    if (!f.ghost) continue;
    const dir = posix.dirname(f.path);
    if (dir === '/' || byPath.has(rel(dir))) continue;
    try {
      lstatSync(fs.host(dir, true));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      out.unshift({ path: rel(dir), type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
    }
  }
  const rootDir = pkg.files.find((f) => f.path === '/' && f.kind === 'dir' && !f.ghost);
  if (rootDir) {
    await chmod(rc.root, rootDir.perm);
    await chown(rc.root, idOf('passwd', rootDir.user), idOf('group', rootDir.group));
    rc.rootMtime = rootDir.mtime;
  }
  // Directories first, level by level: siblings at one depth never depend on each other
  // (their parents exist by then), so the checkout makes each level's in parallel.
  const dirs = out.filter((e) => e.type === 'dir');
  const rest = out.filter((e) => e.type !== 'dir');
  const levels = new Map<number, TreeEntry[]>();
  for (const d of dirs) {
    const depth = d.path.split('/').length;
    let l = levels.get(depth);
    if (!l) levels.set(depth, (l = []));
    l.push(d);
  }
  try {
    for (const depth of [...levels.keys()].sort((a, b) => a - b)) await rc.checkout.addDirs(levels.get(depth)!);
    await rc.checkout.add(rest, { rpmSha256: pkg.sha256, importer: ASSEMBLE_IMPORTER });
  } catch (err) {
    if (err instanceof StoreError) {
      const path = (err as StoreError & { path?: string }).path;
      if (err.code === 'E_UNSAFE_PATH') throw new UnsafePathError(nevra, path ?? '?', err.message, { cause: err });
      throw new StoreError(err.code, `${nevra}: ${err.message}`, { cause: err, hint: err.hint });
    }
    throw err;
  }
  return { files: out.length, bytes };
}

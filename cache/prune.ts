// `vzbuild gc` beyond the store: the caches that otherwise only grow. A nightly build of a
// template downloads the day's updated packages and parses the day's repo metadata; each
// lands in the cache under its checksum and nothing ever used it again. So every cache
// entry records when it was last used (its mtime: set on write, refreshed on each hit by
// touchUsed), and gc removes what no live root needs and nothing has used for --max-age
// days. Knows nothing about distros: directories, names and times in, counts out.
import { lstat, readdir, readlink, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pathExists as exists, unlinkQuiet } from './atomic.js';
import type { PackageCache } from './packages.js';

export interface PruneResult {
  removed: number;
  bytes: number;
  kept: number;
}

const empty = (): PruneResult => ({ removed: 0, bytes: 0, kept: 0 });

/**
 * Mark a cache entry as used now. Best effort: a cache on a read-only mount, or an entry a
 * gc removed a moment ago, must not fail the run that uses it.
 */
export async function touchUsed(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch((e: NodeJS.ErrnoException) => {
    if (!['ENOENT', 'EROFS', 'EPERM', 'EACCES'].includes(e.code ?? '')) throw e;
  });
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
}

/** Remove `path` (a file, or with `tree` a directory) unless dry; count it in `r`. */
async function drop(path: string, size: number, r: PruneResult, dryRun: boolean, tree = false): Promise<void> {
  // Gone meanwhile (someone else pruned it) is fine either way.
  if (!dryRun) await (tree ? rm(path, { recursive: true, force: true }) : unlinkQuiet(path));
  r.removed++;
  r.bytes += size;
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await names(dir)) {
    const st = await lstat(join(dir, n)).catch(() => undefined);
    if (st?.isDirectory()) total += await treeBytes(join(dir, n));
    else if (st) total += st.size;
  }
  return total;
}

export interface PrunePackagesOptions {
  /** sha256s a live root was built from: kept whatever their age. */
  keep: ReadonlySet<string>;
  /** Entries last used before this time (ms since the epoch) go. */
  usedBefore: number;
  dryRun?: boolean;
}

const RPM_RE = /^([0-9a-f]{64})\.rpm$/;

/**
 * The package cache: `<sha256>.rpm` no live root uses and unused since `usedBefore`; then
 * what only pointed at removed packages (checksum aliases, signature marks) and partial
 * downloads nobody resumed since then. The caller holds the package-use lock exclusively,
 * so no build is between finding a package and reading it.
 */
export async function prunePackages(c: PackageCache, o: PrunePackagesOptions): Promise<PruneResult> {
  const dry = o.dryRun ?? false;
  const r = empty();
  const gone = new Set<string>();
  const listed = await names(c.dir);
  for (const n of listed) {
    const m = RPM_RE.exec(n);
    if (!m) continue;
    const st = await lstat(join(c.dir, n)).catch(() => undefined);
    if (!st) continue;
    if (o.keep.has(m[1]) || st.mtimeMs >= o.usedBefore) {
      r.kept++;
      continue;
    }
    gone.add(m[1]);
    await drop(join(c.dir, n), st.size, r, dry);
  }
  // What only pointed at a removed package: checksum aliases for sha1/sha512 repos
  // (by-<algo>/<hex> -> ../<sha256>.rpm) and signature marks (verified/<sha256>.<fpr>).
  const alive = async (sha: string) => !gone.has(sha) && (await exists(join(c.dir, `${sha}.rpm`)));
  for (const n of listed) {
    if (!n.startsWith('by-')) continue;
    for (const a of await names(join(c.dir, n))) {
      const target = await readlink(join(c.dir, n, a)).catch(() => '');
      const sha = /^\.\.\/([0-9a-f]{64})\.rpm$/.exec(target)?.[1];
      if (!(sha && (await alive(sha))) && !dry) await unlinkQuiet(join(c.dir, n, a));
    }
  }
  const vdir = join(c.dir, 'verified');
  for (const n of await names(vdir)) if (gone.has(n.slice(0, 64)) && !dry) await unlinkQuiet(join(vdir, n));
  // Partial downloads: a live download writes (and so refreshes mtime) all the time.
  for (const n of await names(c.partial)) {
    const st = await lstat(join(c.partial, n)).catch(() => undefined);
    if (st?.isFile() && st.mtimeMs < o.usedBefore) await drop(join(c.partial, n), st.size, r, dry);
  }
  return r;
}

export interface PruneVersionedOptions {
  /** Subdirectories named `<prefix><version>` (e.g. "repo-v"); other names are left alone. */
  prefix: string;
  /** The version this vzbuild reads: its entries are pruned by age, other versions go whole. */
  current: string;
  usedBefore: number;
  dryRun?: boolean;
}

/**
 * A versioned derived-data cache (parsed metadata, cached answers): directories of other
 * format versions are removed whole (each upgrade starts a new one), entries of the current
 * one when unused since `usedBefore` (their readers refresh mtime on each hit).
 */
export async function pruneVersionedCache(parent: string, o: PruneVersionedOptions): Promise<PruneResult> {
  const dry = o.dryRun ?? false;
  const r = empty();
  for (const n of await names(parent)) {
    if (!n.startsWith(o.prefix) || !/^\w+$/.test(n.slice(o.prefix.length))) continue;
    const dir = join(parent, n);
    if (n !== `${o.prefix}${o.current}`) {
      await drop(dir, await treeBytes(dir), r, dry, true);
      continue;
    }
    for (const e of await names(dir)) {
      const st = await lstat(join(dir, e)).catch(() => undefined);
      if (!st?.isFile()) continue;
      if (st.mtimeMs >= o.usedBefore) r.kept++;
      else await drop(join(dir, e), st.size, r, dry);
    }
  }
  return r;
}

/**
 * Per-package derived files named by the package's sha256 (parsed headers): those whose
 * package has left the package cache. Temp files of dead writers go too.
 */
export async function pruneByPackage(dir: string, c: PackageCache, usedBefore: number, dryRun = false): Promise<PruneResult> {
  const r = empty();
  for (const n of await names(dir)) {
    const st = await lstat(join(dir, n)).catch(() => undefined);
    if (!st?.isFile()) continue;
    const sha = /^[0-9a-f]{64}/.exec(n)?.[0];
    const stale = n.length === 64 ? !(await exists(join(c.dir, `${sha}.rpm`))) : st.mtimeMs < usedBefore;
    if (sha && stale) await drop(join(dir, n), st.size, r, dryRun);
    else r.kept++;
  }
  return r;
}

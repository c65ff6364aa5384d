// `vzbuild gc`: everything under the cache dir that only grows. The store (objects and
// package indexes no live root needs: cache/gc.ts), then — under the package-use lock, so
// no build is between finding a package and unpacking it — the package cache and what is
// derived per package (parsed headers), then parsed repo metadata and cached resolve
// answers. Entries a live root (a kept checkout or a pinned template) was built from stay;
// the rest goes once unused for `maxAgeDays` (every hit refreshes an entry's mtime).
import { cacheLayout, gcStore, listRoots, storePaths, type GcResult } from '../../cache/index.js';
import { lockPackageUse, packageCache } from '../../cache/packages.js';
import { pruneByPackage, prunePackages, pruneVersionedCache, type PruneResult } from '../../cache/prune.js';
import { headerCacheDir, pruneHeaderCaches } from '../assemble/header-cache.js';
import type { Ctx } from '../context.js';
import { CODEC_VERSION } from '../repo/packages-codec.js';
import { toolVersion } from '../version.js';
import { RESOLVE_CACHE_VERSION } from './resolve.js';

export interface CollectOptions {
  dryRun?: boolean;
  keepIndexes?: boolean;
  /** Cached packages and metadata unused for this many days go (default 7). */
  maxAgeDays?: number;
  lockTimeoutMs?: number;
}

export interface CollectResult extends GcResult {
  maxAgeDays: number;
  packages: PruneResult;
  headers: PruneResult & { oldVersions: string[] };
  metadata: PruneResult;
  resolveAnswers: PruneResult;
}

export const DEFAULT_MAX_AGE_DAYS = 7;

export async function collectGarbage(ctx: Ctx, o: CollectOptions = {}): Promise<CollectResult> {
  const layout = cacheLayout(ctx.settings.cacheDir);
  const dryRun = o.dryRun ?? false;
  const maxAgeDays = o.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
  const usedBefore = Date.now() - maxAgeDays * 86_400_000;
  const store = await gcStore(layout.store, { dryRun, keepIndexes: o.keepIndexes, lockTimeoutMs: o.lockTimeoutMs, signal: ctx.signal });

  const pc = packageCache(ctx.settings.cacheDir);
  const version = await toolVersion();
  const use = await lockPackageUse(pc, 'exclusive', { timeoutMs: o.lockTimeoutMs, signal: ctx.signal });
  let packages: PruneResult;
  let headers: PruneResult;
  try {
    // After gcStore, only live roots are listed (in a dry run dead ones too: it keeps more).
    const keep = new Set<string>();
    for (const r of await listRoots(storePaths(layout.store).roots)) for (const p of r.packages) keep.add(p.rpmSha256);
    packages = await prunePackages(pc, { keep, usedBefore, dryRun });
    headers = await pruneByPackage(headerCacheDir(layout.headers, version), pc, usedBefore, dryRun);
  } finally {
    await use.release();
  }
  const oldVersions = await pruneHeaderCaches(layout.headers, version, dryRun);
  const metadata = await pruneVersionedCache(layout.metadata, { prefix: 'repo-v', current: String(CODEC_VERSION), usedBefore, dryRun });
  const resolveAnswers = await pruneVersionedCache(layout.metadata, { prefix: 'resolve-v', current: String(RESOLVE_CACHE_VERSION), usedBefore, dryRun });
  return { ...store, maxAgeDays, packages, headers: { ...headers, oldVersions }, metadata, resolveAnswers };
}

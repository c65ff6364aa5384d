// The fetch stage: every package of a lock into the content-addressed package cache,
// verified (lock checksum while streaming; RPM signature against the recipe's pinned keys),
// in parallel, resumable, shared safely between concurrent vzbuild processes.
// It does not resolve (the lock says what) and does not unpack (assemble does).
import { stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import type { Ctx } from '../context.js';
import { formatNevra } from '../model/package.js';
import type { LockedPackage } from '../model/lockfile.js';
import type { RecipeRepo } from '../model/recipe.js';
import { claimPartial, commitPackage, discardPartial, findCachedPackage, lockPackage, lockPackageUse, packageCache, syncPackageDirs, type PackageCache } from '../../cache/packages.js';
import { touchUsed } from '../../cache/prune.js';
import { hashFile, parseChecksum } from './checksum.js';
import { downloadFile, HostLimiter, type DownloadOptions } from './download.js';
import { OfflineMissingError } from './errors.js';
import { HttpClient } from './http.js';
import { resolveMirrors, type MirrorSet } from './mirrors.js';
import { makeSignatureChecker, type SignatureChecker } from './verify.js';
import type { FetchedPackage, FetchInput, FetchOptions, FetchProgress, FetchResult, FetchStats } from './types.js';

export type { FetchedPackage, FetchInput, FetchOptions, FetchResult, FetchStats } from './types.js';
export { metadataOpener } from './metadata-opener.js';

export async function fetchPackages(input: FetchInput, ctx: Ctx, opts: FetchOptions = {}): Promise<FetchResult> {
  const cache = packageCache(ctx.settings.cacheDir);
  // Shared with other fetches and builds; only gc's package pruning waits for it.
  const use = await lockPackageUse(cache, 'shared', { signal: ctx.signal });
  try {
    return await fetchLocked(input, cache, ctx, opts);
  } finally {
    await use.release();
  }
}

async function fetchLocked(input: FetchInput, cache: PackageCache, ctx: Ctx, opts: FetchOptions): Promise<FetchResult> {
  const t0 = Date.now();
  const progress = (e: FetchProgress) => ctx.log.progress?.(e as unknown as Record<string, unknown>);
  const stats: FetchStats = { files: input.packages.length, downloaded: 0, cached: 0, bytesDownloaded: 0, bytesResumed: 0, retries: 0, signaturesChecked: 0, ms: 0 };
  const results: FetchedPackage[] = new Array(input.packages.length);

  // Cache lookups first: they cost no network and tell what there is to download.
  // (A stat or two each, all in flight at once: libuv's pool bounds the real parallelism.)
  const hits = await Promise.all(input.packages.map((p) => lookup(cache, p, opts.verifyCache, ctx.signal)));
  const todo: number[] = [];
  for (const [i, p] of input.packages.entries()) {
    const hit = hits[i];
    if (hit) results[i] = { nevra: formatNevra(p), path: hit.path, sha256: hit.sha256, size: p.size, fromCache: true };
    else todo.push(i);
  }
  if (opts.offline && todo.length) throw new OfflineMissingError(todo.map((i) => describePkg(input.packages[i])), cache.dir);

  const totalBytes = todo.reduce((n, i) => n + input.packages[i].size, 0);
  progress({ event: 'fetch-start', files: todo.length, bytes: totalBytes, cached: input.packages.length - todo.length });
  const http = new HttpClient(opts.http, ctx.env);
  const checker = await makeSignatureChecker(input.recipeRepos, input.packages, http, ctx).catch((err) => {
    http.close();
    throw err;
  });
  let filesDone = 0;
  let bytesDone = 0;
  const tick = () => progress({ event: 'fetch-progress', filesDone, files: todo.length, bytesDone, bytes: totalBytes, rate: Math.round((bytesDone * 1000) / Math.max(1, Date.now() - t0)) });
  const ticker = setInterval(tick, 250);
  ticker.unref();
  try {
    const mirrorSets = new Map<string, Promise<MirrorSet>>();
    const mirrorsFor = (repoId: string): Promise<MirrorSet> => {
      let m = mirrorSets.get(repoId);
      if (!m) {
        const recipe = input.recipeRepos?.find((r) => r.id === repoId);
        const locked = input.lockRepos.find((r) => r.id === repoId);
        mirrorSets.set(repoId, (m = resolveMirrors(http, recipe, locked, ctx.signal)));
      }
      return m;
    };
    const dopts: DownloadOptions = {
      http,
      hosts: new HostLimiter(http.settings.perHost),
      retries: opts.retries ?? 2,
      backoffMs: opts.backoffMs ?? 500,
      resumes: 3,
      signal: ctx.signal,
      onBytes: (n) => {
        bytesDone += n;
        stats.bytesDownloaded += Math.max(0, n);
      },
    };
    const queue = new PQueue({ concurrency: opts.concurrency ?? 8 });
    const failures: unknown[] = [];
    for (const i of todo) {
      const p = input.packages[i];
      queue
        .add(async () => {
          const nevra = formatNevra(p);
          const r = await fetchOne(p, nevra, await mirrorsFor(p.repo), cache, { ...dopts, onRetry: (url, reason) => {
            stats.retries++;
            progress({ event: 'fetch-retry', nevra, url, reason });
          } }, ctx, checker, progress);
          results[i] = r.pkg;
          if (r.pkg.fromCache) stats.cached++;
          else stats.downloaded++;
          stats.bytesResumed += r.resumed;
          filesDone++;
          progress({ event: 'fetch-file', nevra, size: p.size, fromCache: r.pkg.fromCache, url: r.url });
        })
        .catch((err) => {
          failures.push(err);
          // One failed package stops the run: clear what has not started, let the rest finish.
          queue.clear();
        });
    }
    await queue.onIdle();
    if (stats.downloaded) await syncPackageDirs(cache, [...new Set(input.packages.map((p) => p.checksum.split(':')[0]))]);
    if (failures.length) throw failures[0];
    // Signatures of cache hits: the content is known, but this recipe's keys may differ.
    const downloaded = new Set(todo);
    for (const [i, p] of input.packages.entries()) {
      if (!downloaded.has(i)) await checker.check(p, results[i].path, results[i].sha256);
    }
    stats.cached += input.packages.length - todo.length;
    stats.signaturesChecked = checker.checked;
  } finally {
    clearInterval(ticker);
    http.close();
  }
  tick();
  stats.ms = Date.now() - t0;
  return { packages: results, stats };
}

function describePkg(p: LockedPackage): string {
  return `${formatNevra(p)} (${p.checksum})`;
}

async function lookup(cache: PackageCache, p: LockedPackage, verify: boolean | undefined, signal?: AbortSignal) {
  const key = parseChecksum(p.checksum, formatNevra(p));
  const hit = await findCachedPackage(cache, key, p.size);
  if (hit && verify && (await hashFile(hit.path, 'sha256', signal)) !== hit.sha256) return undefined;
  // Last used now: gc keeps what builds keep using (see cache/prune.ts).
  if (hit) await touchUsed(hit.path);
  return hit;
}

async function fetchOne(
  p: LockedPackage,
  nevra: string,
  mirrors: MirrorSet,
  cache: PackageCache,
  dopts: DownloadOptions,
  ctx: Ctx,
  checker: SignatureChecker,
  progress: (e: FetchProgress) => void,
): Promise<{ pkg: FetchedPackage; resumed: number; url?: string }> {
  const key = parseChecksum(p.checksum, nevra);
  const lock = await lockPackage(cache, key, { signal: ctx.signal, onWait: (h) => progress({ event: 'fetch-wait', nevra, holder: h?.pid }) });
  try {
    // A peer process may have fetched it while we waited for its lock.
    const hit = await findCachedPackage(cache, key, p.size);
    if (hit) {
      await checker.check(p, hit.path, hit.sha256);
      return { pkg: { nevra, path: hit.path, sha256: hit.sha256, size: p.size, fromCache: true }, resumed: 0 };
    }
    const { path: part, size: partSize } = await claimPartial(cache, key);
    const d = await downloadFile({ subject: nevra, location: p.location, size: p.size, checksum: key }, mirrors, part, dopts, partSize).catch(async (err) => {
      // Keep a partial file for the next run to resume, unless there is nothing in it.
      if ((await stat(part).catch(() => undefined))?.size === 0) await discardPartial(part);
      throw err;
    });
    try {
      await checker.check(p, part, d.sha256);
    } catch (err) {
      // Verified bytes with a refused signature: never cached, never resumed from.
      await discardPartial(part);
      throw err;
    }
    const path = await commitPackage(cache, part, d.sha256, key, { synced: true });
    return { pkg: { nevra, path, sha256: d.sha256, size: d.size, fromCache: false }, resumed: d.resumedFrom, url: d.url };
  } finally {
    await lock.release();
  }
}

export type { RecipeRepo };

// Pipeline step: a recipe → its lockfile. Resolving is a pure function of the repos'
// metadata and the request, so the answer is cached keyed by the repos' repomd.xml
// checksums: a warm run reads repomd.xml and the cached answer, and loads neither the
// metadata parsers nor the solver (pipeline/resolve-fresh.ts, imported on a miss). Local
// (file://, plain path) repos open directly; remote ones (http(s) baseurl, mirrorlist,
// metalink) through the fetch stage's mirror-failover opener, also loaded only when needed.
import { touchUsed } from '../../cache/prune.js';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import type { Ctx } from '../context.js';
import { isErrno } from '../errors.js';
import { writeFileAtomic } from '../lockfile/index.js';
import { BuilderError } from '../errors.js';
import type { MetadataOpen } from '../fetch/metadata-opener.js';
import type { Lockfile } from '../model/lockfile.js';
import type { Recipe, RecipeRepo } from '../model/recipe.js';
// repomd.xml and the local opener only, not the repo stage's index (all its parsers)
import { localOpener } from '../repo/opener.js';
import { loadRepomd } from '../repo/repomd.js';
import type { MetadataOpener } from '../repo/types.js';

export interface ResolveRecipeOptions {
  /** A (partial) lock whose packages are pinned: their names resolve to exactly these builds. */
  lock?: Lockfile;
  /** How to read a repo's metadata; default: local paths directly, remote repos over http(s) with mirror failover. */
  opener?: (repo: RecipeRepo) => MetadataOpener;
}

export interface ResolveRecipeResult {
  lock: Lockfile;
  warnings: string[];
  /** Module streams that ended up active ("name:stream:version:context:arch"). */
  modules: string[];
}

const isLocal = (repo: RecipeRepo) => !!repo.baseurl[0] && (repo.baseurl[0].startsWith('file:') || repo.baseurl[0].startsWith('/'));

/** One opener per repo for the whole resolve (remote ones hold an HTTP client: close them). */
async function defaultOpeners(repos: RecipeRepo[], ctx: Ctx): Promise<{ open: (repo: RecipeRepo) => MetadataOpener; close: () => void }> {
  const remote = new Map<string, MetadataOpen>();
  // the HTTP stack (and its XML parser for metalinks) only when a repo needs it
  const http = repos.every(isLocal) ? undefined : await import('../fetch/metadata-opener.js');
  return {
    open(repo) {
      if (isLocal(repo)) return localOpener(repo.baseurl[0]);
      let o = remote.get(repo.id);
      if (!o) remote.set(repo.id, (o = http!.metadataOpener(repo, ctx)));
      return o;
    },
    close: () => remote.forEach((o) => o.close()),
  };
}

/** Bump when the resolver's answers change for the same inputs (invalidates cached results). */
export const RESOLVE_CACHE_VERSION = 6;

/**
 * Resolving is a pure function of the repos' metadata (named by their repomd.xml checksum)
 * and the request, so a previous answer for the same key is reused: a warm resolve reads
 * only repomd.xml. The key covers everything the answer depends on.
 */
function resultKey(recipe: Recipe, repos: RecipeRepo[], repomds: string[], lock: Lockfile | undefined): string {
  const key = {
    v: RESOLVE_CACHE_VERSION,
    recipe: recipe.name,
    distro: recipe.distro,
    repos: repos.map((r, i) => ({ id: r.id, url: r.baseurl[0] ?? r.mirrorlist ?? r.metalink ?? '', repomd: repomds[i], priority: r.priority, cost: r.cost, exclude: r.exclude, hotfixes: !!r.moduleHotfixes })),
    packages: recipe.packages,
    exclude: recipe.exclude,
    weakDeps: recipe.weakDeps,
    best: recipe.best ?? null,
    modules: recipe.modules,
    pins: lock?.packages.map((p) => [p.name, p.epoch, p.version, p.release, p.arch, p.repo]) ?? [],
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

async function readCached(file: string): Promise<ResolveRecipeResult | undefined> {
  try {
    const hit = JSON.parse(await readFile(file, 'utf8')) as ResolveRecipeResult;
    await touchUsed(file); // last used now: gc keeps answers in use (cache/prune.ts)
    return hit;
  } catch (err) {
    // absent (or torn by a crash before the atomic rename could not happen): resolve anew
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export async function resolveRecipe(recipe: Recipe, ctx: Ctx, opts: ResolveRecipeOptions = {}): Promise<ResolveRecipeResult> {
  const repos = recipe.repos.filter((r) => r.enabled);
  if (!repos.length) throw new BuilderError('E_INVALID', `recipe ${recipe.file} has no enabled repos`);
  const openers = opts.opener ? undefined : await defaultOpeners(repos, ctx);
  try {
    return await resolveWith(recipe, repos, opts.opener ?? openers!.open, ctx, opts);
  } finally {
    openers?.close();
  }
}

async function resolveWith(recipe: Recipe, repos: RecipeRepo[], open: (repo: RecipeRepo) => MetadataOpener, ctx: Ctx, opts: ResolveRecipeOptions): Promise<ResolveRecipeResult> {
  const repomds = await Promise.all(repos.map(async (r) => (await loadRepomd(r.id, open(r))).checksum));
  const cacheDir = ctx.settings.cacheDir ? join(cacheLayout(ctx.settings.cacheDir).metadata, `resolve-v${RESOLVE_CACHE_VERSION}`) : undefined;
  const cacheFile = cacheDir && join(cacheDir, `${resultKey(recipe, repos, repomds, opts.lock)}.json`);
  const hit = cacheFile ? await readCached(cacheFile) : undefined;
  if (hit) {
    ctx.log.debug(`resolve: reusing the answer cached in ${cacheFile}`);
    for (const w of hit.warnings) ctx.log.warn(w);
    return hit;
  }
  const { resolveFresh } = await import('./resolve-fresh.js');
  const result = await resolveFresh(recipe, repos, open, ctx, opts);
  if (cacheDir && cacheFile) {
    await mkdir(cacheDir, { recursive: true });
    await writeFileAtomic(cacheFile, JSON.stringify(result));
  }
  return result;
}


// Pipeline step: a recipe → its lockfile. Loads every enabled repo's metadata (repo
// stage), applies module filtering and per-repo excludes, answers file dependencies from
// filelists, then asks the resolver (pure) for dnf's package set and records it with the
// repos' repomd checksums. Local (file://, plain path) repos open directly; remote ones
// (http(s) baseurl, mirrorlist, metalink) through the fetch stage's mirror-failover opener.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import type { Ctx } from '../context.js';
import { isErrno } from '../errors.js';
import { writeFileAtomic } from '../lockfile/index.js';
import { BuilderError } from '../errors.js';
import { metadataOpener, type MetadataOpen } from '../fetch/metadata-opener.js';
import type { LockedPackage, Lockfile } from '../model/lockfile.js';
import { LOCKFILE_VERSION } from '../model/lockfile.js';
import type { RepoPackage } from '../model/package.js';
import type { Recipe, RecipeRepo } from '../model/recipe.js';
import { computeModularFilter, loadRepo, loadRepomd, localOpener, PRIMARY_FILES_RE } from '../repo/index.js';
import type { MetadataOpener, RepoMetadata } from '../repo/types.js';
import { createResolver, type CompsData, type PinnedPackage, type ResolveResult } from '../resolve/index.js';
import { matchesNevra, nevraPossibilities } from '../resolve/specs.js';

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

/** One opener per repo for the whole resolve (remote ones hold an HTTP client: close them). */
function defaultOpeners(ctx: Ctx): { open: (repo: RecipeRepo) => MetadataOpener; close: () => void } {
  const remote = new Map<string, MetadataOpen>();
  return {
    open(repo) {
      const url = repo.baseurl[0];
      if (url && (url.startsWith('file:') || url.startsWith('/'))) return localOpener(url);
      let o = remote.get(repo.id);
      if (!o) remote.set(repo.id, (o = metadataOpener(repo, ctx)));
      return o;
    },
    close: () => remote.forEach((o) => o.close()),
  };
}

/**
 * dnf's module_platform_id for a distro, as its /etc/os-release PLATFORM_ID says:
 * "platform:el9" for EL 9 and its rebuilds, "platform:f41" for Fedora 41; unknown: none.
 */
export function defaultPlatformId(distro: Recipe['distro']): string | undefined {
  const major = Number.parseInt(distro.release, 10);
  if (!Number.isFinite(major)) return undefined;
  if (distro.id === 'fedora') return `platform:f${major}`;
  if (/^(rhel|ubi|centos|centos-stream|rocky|almalinux|alma|ol|oraclelinux|vzlinux|virtuozzo|cloudlinux|eurolinux|navy)$/.test(distro.id) && major >= 8) return `platform:el${major}`;
  return undefined;
}

/** Fedora 41 made dnf5 its package manager; EL 8-10 ship dnf 4 (their comps semantics differ). */
export function usesDnf5(distro: Recipe['distro']): boolean {
  return distro.id === 'fedora' && Number.parseInt(distro.release, 10) >= 41;
}

/** dnf's module state from the recipe: "name:stream" enables a stream, "name" disables a module. */
function moduleState(recipe: Recipe) {
  const enabled: Record<string, string> = {};
  for (const e of recipe.modules.enable) {
    const [name, stream] = e.split(/[:/]/);
    if (!stream) throw new BuilderError('E_INVALID', `recipe ${recipe.file}: modules.enable "${e}" needs name:stream`);
    enabled[name] = stream;
  }
  const platformId = recipe.modules.platformId ?? defaultPlatformId(recipe.distro);
  return { enabled, disabled: recipe.modules.disable.map((d) => d.split(':')[0]), platform: platformId?.replace(/^platform:/, '') };
}

/** dnf merges comps of all repos: groups by id (package lists united), first environment wins. */
export function mergeComps(mds: Pick<RepoMetadata, 'comps'>[]): CompsData | undefined {
  const groups = new Map<string, CompsData['groups'][number]>();
  const envs = new Map<string, CompsData['environments'][number]>();
  for (const md of mds) {
    for (const g of md.comps?.groups ?? []) {
      const prev = groups.get(g.id);
      groups.set(g.id, prev ? { ...prev, packages: [...prev.packages, ...g.packages.filter((p) => !prev.packages.some((q) => q.name === p.name))] } : { id: g.id, name: g.name, packages: g.packages });
    }
    for (const e of md.comps?.environments ?? []) if (!envs.has(e.id)) envs.set(e.id, { id: e.id, name: e.name, groups: e.groups, options: e.options });
  }
  return groups.size || envs.size ? { groups: [...groups.values()], environments: [...envs.values()] } : undefined;
}

/** Paths used as dependencies that primary.xml's file subset does not cover. */
export function fileDepsBeyondPrimary(pkgs: Iterable<RepoPackage>): Set<string> {
  const out = new Set<string>();
  for (const p of pkgs)
    for (const deps of [p.requires, p.conflicts, p.obsoletes, p.recommends, p.suggests, p.supplements, p.enhances])
      for (const d of deps) if (d.name.startsWith('/') && !PRIMARY_FILES_RE.test(d.name)) out.add(d.name);
  return out;
}

/** Bump when the resolver's answers change for the same inputs (invalidates cached results). */
const RESOLVE_CACHE_VERSION = 2;

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
    modules: recipe.modules,
    pins: lock?.packages.map((p) => [p.name, p.epoch, p.version, p.release, p.arch, p.repo]) ?? [],
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

async function readCached(file: string): Promise<ResolveRecipeResult | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ResolveRecipeResult;
  } catch (err) {
    // absent (or torn by a crash before the atomic rename could not happen): resolve anew
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export async function resolveRecipe(recipe: Recipe, ctx: Ctx, opts: ResolveRecipeOptions = {}): Promise<ResolveRecipeResult> {
  const repos = recipe.repos.filter((r) => r.enabled);
  if (!repos.length) throw new BuilderError('E_INVALID', `recipe ${recipe.file} has no enabled repos`);
  const openers = opts.opener ? undefined : defaultOpeners(ctx);
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
  const result = await resolveFresh(recipe, repos, open, ctx, opts);
  if (cacheDir && cacheFile) {
    await mkdir(cacheDir, { recursive: true });
    await writeFileAtomic(cacheFile, JSON.stringify(result));
  }
  return result;
}

async function resolveFresh(recipe: Recipe, repos: RecipeRepo[], open: (r: RecipeRepo) => MetadataOpener, ctx: Ctx, opts: ResolveRecipeOptions): Promise<ResolveRecipeResult> {
  const mds: RepoMetadata[] = [];
  for (const r of repos) {
    mds.push(await loadRepo({ id: r.id, open: open(r), cacheDir: ctx.settings.cacheDir, expectRepomd: undefined }, ctx));
  }
  const all = mds.flatMap((m) => m.packages);

  // Hidden: inactive modular packages (dnf's module filter) and per-repo excludepkgs.
  const hidden = new Set<RepoPackage>();
  const modules = mds.filter((m) => m.modules).map((m) => m.modules!);
  let active: string[] = [];
  if (modules.length) {
    const state = moduleState(recipe);
    const filter = computeModularFilter({
      modules,
      packages: all,
      state,
      hotfixRepos: repos.filter((r) => r.moduleHotfixes).map((r) => r.id),
      arches: [recipe.distro.arch, 'noarch'],
    });
    for (const p of filter.hidden) hidden.add(p);
    // `dnf module enable` of a stream that cannot be active (its platform or a module it
    // needs is missing) fails the whole command; a default stream that cannot is skipped.
    const unmet = Object.entries(state.enabled).filter(([name, stream]) => !filter.active.some((m) => m.name === name && m.stream === stream));
    if (unmet.length) {
      throw new BuilderError('E_MODULE', `recipe ${recipe.file}: cannot enable module ${unmet.map(([n, s]) => `${n}:${s}`).join(', ')}: ${filter.problems.join('; ') || 'no such stream'}`, {
        hint: state.platform ? `the module platform is platform:${state.platform} (modules.platform_id)` : undefined,
      });
    }
    for (const w of filter.problems) ctx.log.warn(w);
    active = filter.active.map((m) => `${m.name}:${m.stream}:${m.version}:${m.context}:${m.arch}`).sort();
  }
  repos.forEach((r, i) => {
    if (!r.exclude.length) return;
    const forms = r.exclude.map((e) => nevraPossibilities(e));
    for (const p of mds[i].packages) if (forms.some((fs) => fs.some((f) => matchesNevra(f, p)))) hidden.add(p);
  });

  const pins: PinnedPackage[] = (opts.lock?.packages ?? []).map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, repo: p.repo }));
  const resolver = createResolver({
    repos: repos.map((r, i) => ({ id: r.id, priority: r.priority, cost: r.cost, packages: mds[i].packages })),
    arch: recipe.distro.arch,
    comps: mergeComps(mds),
    // File dependencies outside primary's subset: filelists are read only when the solve
    // actually reaches such a dependency (then every path any package names is looked up).
    fileOwnersComplete: false,
  });
  const t0 = performance.now();
  let res: ResolveResult;
  // The resolver stops at the first path beyond primary's subset; the first time, every
  // path any package names is looked up in filelists (one read), later rounds only catch
  // paths hidden inside rich dependencies. Each round learns new paths, so this ends.
  const looked = new Set<string>();
  for (;;) {
    res = resolver.resolve({ specs: recipe.packages, exclude: recipe.exclude, weakDeps: recipe.weakDeps, environmentDefaultOptions: usesDnf5(recipe.distro) }, { hidden, pins });
    if (!res.needFiles) break;
    const paths = new Set(looked.size ? res.needFiles : [...res.needFiles, ...fileDepsBeyondPrimary(all)]);
    for (const p of looked) paths.delete(p);
    if (!paths.size) throw new BuilderError('E_INTERNAL', `file owners still missing after reading filelists: ${res.needFiles.slice(0, 5).join(', ')}`);
    const owners = new Map<string, RepoPackage[]>();
    for (const path of paths) {
      const found: RepoPackage[] = [];
      for (const md of mds) found.push(...(await md.whoOwnsFile(path)));
      owners.set(path, found);
      looked.add(path);
    }
    ctx.log.debug(`read file lists for ${owners.size} file dependencies`);
    resolver.addFileOwners(owners);
  }
  ctx.log.debug(`resolved ${res.packages.length} packages`, { ms: Math.round(performance.now() - t0) });
  for (const w of res.warnings) ctx.log.warn(w);

  const packages: LockedPackage[] = res.packages.map((p) => ({
    name: p.name,
    epoch: p.epoch,
    version: p.version,
    release: p.release,
    arch: p.arch,
    repo: p.repo,
    location: p.location,
    checksum: p.checksum,
    size: p.sizePackage,
  }));
  const lock: Lockfile = {
    version: LOCKFILE_VERSION,
    recipe: recipe.name,
    distro: { ...recipe.distro },
    repos: repos.map((r, i) => ({ id: r.id, url: r.baseurl[0] ?? r.mirrorlist ?? r.metalink ?? '', repomd: mds[i].repomdChecksum })),
    packages,
  };
  return { lock, warnings: res.warnings, modules: active };
}

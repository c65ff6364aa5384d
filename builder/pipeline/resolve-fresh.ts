// The cold half of the resolve step, loaded only when no cached answer fits: parse every
// repo's metadata (repo stage), apply module filtering and per-repo excludes, answer file
// dependencies from filelists, and ask the resolver (pure) for dnf's package set. Kept
// apart from pipeline/resolve.ts so a warm run never loads the parsers and the solver.
import type { Ctx } from '../context.js';
import { BuilderError } from '../errors.js';
import type { LockedPackage, Lockfile } from '../model/lockfile.js';
import { LOCKFILE_VERSION } from '../model/lockfile.js';
import type { RepoPackage } from '../model/package.js';
import type { Recipe, RecipeRepo } from '../model/recipe.js';
import { computeModularFilter, loadRepo } from '../repo/index.js';
import type { MetadataOpener, RepoMetadata } from '../repo/types.js';
import { createResolver, type CompsData, type PinnedPackage, type ResolveResult } from '../resolve/index.js';
import { matchesNevra, nevraPossibilities } from '../resolve/specs.js';
import type { ResolveRecipeOptions, ResolveRecipeResult } from './resolve.js';

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

/**
 * dnf's `best` as the distro's own dnf.conf sets it: EL 8-10 ship best=True (the newest
 * candidate or an error), Fedora ships best=False (older versions when the newest is broken).
 */
export function dnfBest(distro: Recipe['distro']): boolean {
  return distro.id !== 'fedora';
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

export async function resolveFresh(recipe: Recipe, repos: RecipeRepo[], open: (r: RecipeRepo) => MetadataOpener, ctx: Ctx, opts: ResolveRecipeOptions): Promise<ResolveRecipeResult> {
  // All repos at once: one's decompression and file reads overlap another's parsing.
  const mds: RepoMetadata[] = await Promise.all(repos.map((r) => loadRepo({ id: r.id, open: open(r), cacheDir: ctx.settings.cacheDir, expectRepomd: undefined }, ctx)));
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

  // File dependencies whose owners every repo has kept from an earlier read of its filelists
  // (a repo knows those of its own packages' dependencies): known before solving.
  const fileOwners = new Map<string, RepoPackage[]>();
  if (mds.every((m) => m.fileDepOwners)) {
    for (const path of mds[0].fileDepOwners!.keys()) {
      if (mds.every((m) => m.fileDepOwners!.has(path))) fileOwners.set(path, mds.flatMap((m) => m.fileDepOwners!.get(path)!));
    }
  }
  const pins: PinnedPackage[] = (opts.lock?.packages ?? []).map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, repo: p.repo }));
  const resolver = createResolver({
    repos: repos.map((r, i) => ({ id: r.id, priority: r.priority, cost: r.cost, packages: mds[i].packages, index: mds[i].index })),
    arch: recipe.distro.arch,
    comps: mergeComps(mds),
    // File dependencies outside primary's subset: filelists are read only when the solve
    // actually reaches such a dependency (then every path any package names is looked up).
    fileOwners,
    fileOwnersComplete: false,
  });
  const t0 = performance.now();
  let res: ResolveResult;
  // A resolve that reaches paths beyond primary's file subset stops before solving and
  // names them; their owners come from filelists (read on the first such lookup), then it
  // runs again — and may reach new packages with new paths. Each round learns new paths.
  const looked = new Set<string>(fileOwners.keys());
  for (;;) {
    res = resolver.resolve({ specs: recipe.packages, exclude: recipe.exclude, weakDeps: recipe.weakDeps, best: recipe.best ?? dnfBest(recipe.distro), environmentDefaultOptions: usesDnf5(recipe.distro) }, { hidden, pins });
    if (!res.needFiles) break;
    const paths = res.needFiles.filter((p) => !looked.has(p));
    if (!paths.length) throw new BuilderError('E_INTERNAL', `file owners still missing after reading filelists: ${res.needFiles.slice(0, 5).join(', ')}`);
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

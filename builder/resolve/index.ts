// The resolve stage: candidate packages + comps + request -> the set of packages dnf
// (libsolv) installs into an empty root. Pure: no I/O; the pipeline (builder/pipeline/
// resolve.ts) loads repos and writes the lockfile.
import type { RepoPackage } from '../model/package.js';
import { compareEvr } from '../rpm/vercmp.js';
import { ResolveError } from './errors.js';
import { explainProblem } from './explain.js';
import { buildJobs } from './jobs.js';
import { NeedFiles, PoolIndex, poolForRequest } from './pool.js';
import { buildInfarchRules, buildPkgRules } from './rules.js';
import { Sat } from './sat.js';
import { matchesNevra, nevraPossibilities } from './specs.js';
import type { CompsData, PinnedPackage, ResolveInput, ResolveRepo, ResolveRequest, ResolveResult } from './types.js';

export type { ResolveInput, ResolveResult, ResolveRepo, ResolveRequest, CompsData, PinnedPackage } from './types.js';
export { ResolveError } from './errors.js';

/** dnf's default installonlypkgs: several versions may be installed side by side. */
const INSTALLONLY = ['kernel', 'kernel-PAE', 'installonlypkg(kernel)', 'installonlypkg(kernel-module)', 'installonlypkg(vm)', 'multiversion(kernel)'];

function excluder(repos: ResolveRepo[], exclude: string[], pinList: PinnedPackage[] | undefined): ((pkg: RepoPackage) => boolean) | undefined {
  if (!exclude.length && !pinList?.length) return undefined;
  const pats = exclude.map((e) => nevraPossibilities(e));
  const all = repos.flatMap((r) => r.packages);
  // dnf applies the first NEVRA reading of each exclude that matches anything
  const chosen = pats.map((forms) => forms.find((f) => all.some((p) => matchesNevra(f, p)))).filter((f) => !!f);
  const pins = new Map<string, PinnedPackage[]>();
  for (const p of pinList ?? []) pins.set(p.name, [...(pins.get(p.name) ?? []), p]);
  if (!chosen.length && !pins.size) return undefined;
  return (pkg) => {
    if (chosen.some((f) => matchesNevra(f!, pkg))) return true;
    const pin = pins.get(pkg.name);
    // a pinned name may only resolve to the pinned build(s)
    if (pin && !pin.some((p) => p.epoch === pkg.epoch && p.version === pkg.version && p.release === pkg.release && p.arch === pkg.arch && (!p.repo || p.repo === pkg.repo))) return true;
    return false;
  };
}

export interface ResolverSource {
  repos: ResolveRepo[];
  arch: string;
  comps?: CompsData;
  /** Owners of paths beyond primary's file subset (from filelists). */
  fileOwners?: ResolveInput['fileOwners'];
  /**
   * false: fileOwners is partial (filelists not read); a resolve that needs an unknown
   * path returns `needFiles` instead of a final answer. Default true.
   */
  fileOwnersComplete?: boolean;
}

export interface Resolver {
  resolve(request: Omit<ResolveRequest, 'arch'>, opts?: { hidden?: ReadonlySet<RepoPackage>; pins?: PinnedPackage[] }): ResolveResult;
  addFileOwners(owners: ReadonlyMap<string, readonly RepoPackage[]>): void;
}

/** A resolver over fixed repos: the package index is built once and reused per request. */
export function createResolver(source: ResolverSource): Resolver {
  const index = new PoolIndex({ repos: source.repos, arch: source.arch, fileOwners: source.fileOwners, fileOwnersComplete: source.fileOwnersComplete });
  const multi = new Set<number>();
  for (const name of INSTALLONLY) for (const id of index.whatProvides({ name })) multi.add(id);
  return {
    addFileOwners(owners) {
      index.addFileOwners(owners);
    },
    resolve(request, opts = {}) {
      index.missingFiles.clear();
      try {
        return resolveOnce(request, opts);
      } catch (err) {
        // Paths only filelists can answer stop a resolve once the package rules are built
        // (all the paths they need are known by then); a spec naming such a path may
        // also look unmatched or unsolvable for want of its owners.
        if (err instanceof NeedFiles || (err instanceof ResolveError && index.missingFiles.size)) return { packages: [], warnings: [], needFiles: [...index.missingFiles].sort() };
        throw err;
      }
    },
  };

  function resolveOnce(request: Omit<ResolveRequest, 'arch'>, opts: { hidden?: ReadonlySet<RepoPackage>; pins?: PinnedPackage[] }): ResolveResult {
    {
      const warnings: string[] = [];
      const pool = poolForRequest(index, opts.hidden, excluder(source.repos, request.exclude, opts.pins));
      const input: ResolveInput = { repos: source.repos, comps: source.comps, request: { ...request, arch: source.arch } };
      const jobs = buildJobs(pool, input, warnings);
      // best=False: libdnf leaves SOLVER_FORCEBEST off, so no job gets best rules
      if (request.best === false) for (const j of jobs) j.forceBest = false;
      const roots = [...new Set(jobs.flatMap((j) => j.rules.flat().filter((l) => l > 0)))];
      const { rules, added } = buildPkgRules(pool, roots, (id) => multi.has(id));
      if (index.missingFiles.size) throw new NeedFiles();
      const infarch = buildInfarchRules(pool, added);
      // Like libsolv, report every problem, not just the first: each time the solve fails,
      // explain it, switch off the jobs involved and solve again, until the rest solves.
      const problems: string[] = [];
      const off = new Set<number>();
      for (;;) {
        const live = jobs.map((j, i) => (off.has(i) ? { ...j, rules: [] } : j));
        const sat = new Sat(pool, rules, live, infarch, request.weakDeps);
        if (sat.run()) {
          if (problems.length) break;
          const packages = sat.installed().map((id) => pool.solvables[id].pkg);
          packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareEvr(a, b) || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0)));
          return { packages, warnings };
        }
        const involved = (sat.problem?.jobs ?? []).filter((j) => !off.has(j));
        problems.push(explainProblem(sat, jobs, involved).join('; '));
        // no job to blame (cannot happen: an empty install always solves) — stop anyway
        if (!involved.length) break;
        for (const j of involved) off.add(j);
      }
      const text = problems.length === 1 ? problems[0] : problems.map((p, i) => `Problem ${i + 1}: ${p}`).join('\n  ');
      throw new ResolveError('E_UNSOLVABLE', `cannot resolve the request:\n  ${text}`, { problems });
    }
  }
}

/** Resolve one request (see createResolver to resolve many against the same repos). */
export function resolvePackages(input: ResolveInput): ResolveResult {
  return createResolver({ repos: input.repos, arch: input.request.arch, comps: input.comps, fileOwners: input.fileOwners }).resolve(input.request, { hidden: input.hidden, pins: input.pins });
}

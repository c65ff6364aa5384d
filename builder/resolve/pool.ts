// The solver's view of the candidate packages, numbered as libsolv numbers solvables:
// id 1 is the "system" solvable, then every package of every repo in repo order and
// primary.xml order (tie-breaks fall back to this order, as libsolv's do). Owns dependency
// matching (rpm's range overlap, unversioned provides match anything, a missing release
// matches any), file provides, arch scores and colors. Excluded and hidden packages are
// not installable (libsolv's "considered" map) but, as dnf configures libsolv, still listed
// as providers.
import type { Dep, Evr, PackageIndex, RepoPackage, Sense } from '../model/package.js';
import { compareEvr } from '../rpm/vercmp.js';
import { DepOrder } from './deporder.js';
import { indexPackages } from './package-index.js';
import type { ResolveInput } from './types.js';

export const SYSTEM = 1;

export interface Solvable {
  id: number;
  pkg: RepoPackage;
  name: string;
  evr: Evr;
  arch: string;
  repo: number;
  /** libsolv priority: higher wins (dnf priority negated). */
  priority: number;
  /** libsolv subpriority: higher wins (dnf cost negated). */
  subpriority: number;
  /** libsolv arch score: 1 = noarch, 0 = not installable here, else lower is better. */
  archScore: number;
  color: number;
  installable: boolean;
}

// rpm's flag bits as libsolv uses them.
const REL_GT = 1;
const REL_EQ = 2;
const REL_LT = 4;
const FLAGS: Record<Sense, number> = { GT: REL_GT, EQ: REL_EQ, LT: REL_LT, GE: REL_GT | REL_EQ, LE: REL_LT | REL_EQ };

/** libsolv's arch policies (poolarch.c): each ':' starts a new, incompatible class. */
const ARCH_POLICIES: Record<string, string[]> = {
  x86_64: ['x86_64', 'i686', 'i586', 'i486', 'i386'],
  i686: ['i686', 'i586', 'i486', 'i386'],
  aarch64: ['aarch64'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
};

function archColor(arch: string): number {
  if (arch === 'noarch') return 0;
  if (/^(x86_64|aarch64|ppc64|ppc64le|s390x|riscv64)$/.test(arch)) return 2;
  return 1;
}

/** pool_match_flags_evr: do the ranges "pflags pevr" and "flags evr" overlap? */
export function rangesOverlap(pflags: number, pevr: Evr, flags: number, evr: Evr): boolean {
  if (!pflags || !flags) return false;
  if (pflags === 7 || flags === 7) return true;
  if (pflags & flags & (REL_LT | REL_GT)) return true;
  const c = compareEvr(pevr, evr);
  if (c < 0) return !!(flags & REL_LT) || !!(pflags & REL_GT);
  if (c > 0) return !!(flags & REL_GT) || !!(pflags & REL_LT);
  return !!(flags & pflags & REL_EQ);
}

export function senseFlags(s: Sense | undefined): number {
  return s ? FLAGS[s] : 0;
}

/** Does provide `p` satisfy requirement `r` (same name assumed)? */
export function provideMatches(p: Dep, r: Dep): boolean {
  if (!r.sense || !r.evr) return true;
  if (!p.sense || !p.evr) return true; // rpm: an unversioned provide matches any version
  return rangesOverlap(FLAGS[p.sense], p.evr, FLAGS[r.sense], r.evr);
}

/** Primary.xml lists every file under these paths (createrepo's rule). */
export function primaryCoversPath(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}

/** What a pool is built from; the same repos give the same index (see PoolIndex). */
export interface PoolSource {
  repos: ResolveInput['repos'];
  arch: string;
  fileOwners?: ResolveInput['fileOwners'];
  /**
   * false: fileOwners only holds the paths asked for so far (filelists not read yet); a
   * path beyond primary's subset that is missing is recorded in `missingFiles` instead.
   */
  fileOwnersComplete?: boolean;
}

/** Thrown (and caught by the resolver) when a resolve met paths whose owners filelists must tell. */
export class NeedFiles extends Error {}

/**
 * The request-independent part: solvables, name/provides indexes and the whatprovides
 * cache. Built once per repo set and reused by every resolve (excludes only flip the
 * per-request "installable" flags, since excluded packages stay listed as providers).
 * Built for every resolve that is not answered from the cache, over every package of every
 * repo (17k for CS9 AppStream): the name, provide, obsolete and file lookups come from the
 * repos' own indexes (the repo stage builds them from its parsed form, without reading the
 * packages), asked per name and memoized here.
 */
export class PoolIndex {
  readonly solvables: Solvable[] = [];
  /** Each repo's index and the id of its first package. */
  private readonly repoIndexes: { index: PackageIndex; base: number }[] = [];
  private readonly names = new Map<string, number[]>();
  /** Provided name -> ids of the packages providing it (the implicit "name = evr" included). */
  private readonly provides = new Map<string, number[]>();
  private readonly files = new Map<string, number[]>();
  /** whatProvides answers by the Dep object (parsed metadata shares them) and by its text. */
  private readonly cacheByDep = new Map<Dep, number[]>();
  private readonly cache = new Map<string, number[]>();
  private readonly idOf = new Map<RepoPackage, number>();
  private readonly owners = new Map<string, readonly RepoPackage[]>();
  /** Paths a resolve needed whose owners are unknown (see PoolSource.fileOwnersComplete). */
  readonly missingFiles = new Set<string>();
  /**
   * Ascending ids of the packages with Supplements (and/or Enhances): the weak-dependency
   * passes look at these instead of reading every package object (17k, scattered in memory).
   */
  readonly supplementIds: number[] = [];
  /** Obsoleted name -> ids of the packages whose Obsoletes name it (hawkey's obsoletes filter). */
  private readonly obsoleters = new Map<string, number[]>();
  readonly weakIds: number[] = [];

  constructor(readonly source: PoolSource) {
    for (const [k, v] of source.fileOwners ?? []) this.owners.set(k, v);
    const policy = ARCH_POLICIES[source.arch] ?? [source.arch];
    const score = new Map<string, number>(policy.map((a, i) => [a, ((i + 1) << 16) | 1]));
    score.set('noarch', 1);
    // per arch, not per package (a regexp test per package showed in profiles)
    const colors = new Map<string, number>();
    this.solvables.length = 2;
    let id = 2;
    source.repos.forEach((repo, ri) => {
      const index = repo.index ?? indexPackages(repo.packages);
      const base = id;
      this.repoIndexes.push({ index, base });
      for (const pkg of repo.packages) {
        const archScore = score.get(pkg.arch) ?? 0;
        let color = colors.get(pkg.arch);
        if (color === undefined) colors.set(pkg.arch, (color = archColor(pkg.arch)));
        const s: Solvable = {
          id,
          pkg,
          name: pkg.name,
          evr: pkg, // a RepoPackage is its own EVR: no copy per package
          arch: pkg.arch,
          repo: ri,
          priority: -repo.priority,
          subpriority: -repo.cost,
          archScore,
          color,
          installable: archScore !== 0,
        };
        this.solvables.push(s);
        this.idOf.set(pkg, id);
        id++;
      }
      for (const i of Array.from(index.supplementing)) if (this.solvables[base + i].archScore !== 0) this.supplementIds.push(base + i);
      for (const i of Array.from(index.weak)) if (this.solvables[base + i].archScore !== 0) this.weakIds.push(base + i);
    });
  }

  /**
   * The ids a per-repo lookup gives for `key`, over all repos, installable arches only.
   * POOL_FLAG_WHATPROVIDESWITHDISABLED (dnf sets it): excluded packages still show up as
   * providers; their own "not installable" rule keeps them out.
   */
  private ids(memo: Map<string, number[]>, key: string, get: (index: PackageIndex, key: string) => ArrayLike<number>): number[] {
    let out = memo.get(key);
    if (out) return out;
    out = [];
    for (const { index, base } of this.repoIndexes) {
      const found = get(index, key);
      for (let k = 0; k < found.length; k++) if (this.solvables[base + found[k]].archScore !== 0) out.push(base + found[k]);
    }
    memo.set(key, out);
    return out;
  }

  get size(): number {
    return this.solvables.length;
  }

  idOfPackage(pkg: RepoPackage): number | undefined {
    return this.idOf.get(pkg);
  }

  private readonly depOrders: (DepOrder | undefined)[] = [];
  private readonly orderedRecommends = new Map<number, readonly Dep[]>();

  /** A package's recommends in the order dnf's libsolv walks them (see deporder.ts). */
  recommendsInOrder(id: number): readonly Dep[] {
    const s = this.solvables[id];
    const recs = s.pkg.recommends;
    if (recs.length < 2) return recs;
    let r = this.orderedRecommends.get(id);
    if (!r) {
      const order = (this.depOrders[s.repo] ??= new DepOrder(this.source.repos[s.repo].packages, this.repoIndexes[s.repo].index));
      r = order.sort(recs);
      this.orderedRecommends.set(id, r);
    }
    return r;
  }

  /** Installable-arch packages named `name`, ascending ids (excluded ones included). */
  byName(name: string): readonly number[] {
    return this.ids(this.names, name, (ix, k) => ix.byName(k));
  }

  /** Installable-arch packages with an Obsoletes on `name` (any version). */
  obsoletersOfName(name: string): readonly number[] {
    return this.ids(this.obsoleters, name, (ix, k) => ix.byObsolete(k));
  }

  /** Providers of a simple (non-rich) dependency, ascending ids (excluded ones included). */
  whatProvides(dep: Dep): number[] {
    let r = this.cacheByDep.get(dep);
    if (r) return r;
    const versioned = dep.sense !== undefined && dep.evr !== undefined;
    const key = versioned ? `${dep.name}\0${dep.sense}\0${dep.evr!.epoch}:${dep.evr!.version}-${dep.evr!.release ?? ''}` : dep.name;
    r = this.cache.get(key);
    if (!r) {
      r = this.lookup(dep, versioned);
      this.cache.set(key, r);
    }
    this.cacheByDep.set(dep, r);
    return r;
  }

  /** Does package `id` provide `dep` (its own "name = evr" or one of its provides)? */
  private providesMatching(id: number, dep: Dep): boolean {
    const s = this.solvables[id];
    if (s.name === dep.name && rangesOverlap(REL_EQ, s.evr, FLAGS[dep.sense!], dep.evr!)) return true;
    for (const p of s.pkg.provides) if (p.name === dep.name && provideMatches(p, dep)) return true;
    return false;
  }

  private lookup(dep: Dep, versioned: boolean): number[] {
    const ids = this.ids(this.provides, dep.name, (ix, k) => ix.byProvide(k));
    let found = ids;
    if (versioned) {
      found = [];
      for (const id of ids) if (this.providesMatching(id, dep)) found.push(id);
    }
    if (!dep.name.startsWith('/')) return found;
    const extra = [...this.ids(this.files, dep.name, (ix, k) => ix.byFile(k))];
    const owners = this.owners.get(dep.name);
    if (!owners && this.source.fileOwnersComplete === false && !primaryCoversPath(dep.name)) {
      // noted, and answered without its owners for now: the resolver stops before solving
      this.missingFiles.add(dep.name);
    }
    for (const pkg of owners ?? []) {
      const id = this.idOf.get(pkg);
      if (id !== undefined && this.solvables[id].archScore !== 0) extra.push(id);
    }
    if (!extra.length) return found;
    return [...new Set([...found, ...extra])].sort((a, b) => a - b);
  }

  /** Learn the owners of more paths (from filelists); cached answers are recomputed. */
  addFileOwners(owners: ReadonlyMap<string, readonly RepoPackage[]>): void {
    for (const [k, v] of owners) this.owners.set(k, v);
    for (const k of owners.keys()) this.missingFiles.delete(k);
    // only answers for paths can change
    for (const k of this.cache.keys()) if (k.startsWith('/')) this.cache.delete(k);
    for (const k of this.cacheByDep.keys()) if (k.name.startsWith('/')) this.cacheByDep.delete(k);
  }

  /** pool_match_nevr: does the package's own name/EVR match the dependency (obsoletes)? */
  matchesNevr(id: number, dep: Dep): boolean {
    const s = this.solvables[id];
    if (s.name !== dep.name) return false;
    if (!dep.sense || !dep.evr) return true;
    return rangesOverlap(REL_EQ, s.evr, FLAGS[dep.sense], dep.evr);
  }

  colorMatch(a: number, b: number): boolean {
    const ca = this.solvables[a].color;
    const cb = this.solvables[b].color;
    return ca === 0 || cb === 0 || ca === cb;
  }

  label(id: number): string {
    const s = this.solvables[id];
    if (!s) return `#${id}`;
    return `${s.name}-${s.evr.epoch ? s.evr.epoch + ':' : ''}${s.evr.version}-${s.evr.release}.${s.arch}`;
  }
}

/** One request's view: the shared index with this request's installable flags set. */
export type Pool = PoolIndex;

/**
 * Set the installable flags for a request (excludes, module-hidden packages, pins).
 * The flags live on the shared index: resolves on one index must not interleave, which
 * holds since resolving is synchronous.
 */
export function poolForRequest(index: PoolIndex, hidden: ReadonlySet<RepoPackage> | undefined, isExcluded: ((pkg: RepoPackage) => boolean) | undefined): Pool {
  const all = index.solvables;
  for (let i = 2; i < all.length; i++) all[i].installable = all[i].archScore !== 0;
  // by the (few) hidden packages, not by asking about every package
  for (const pkg of hidden ?? []) {
    const id = index.idOfPackage(pkg);
    if (id !== undefined) all[id].installable = false;
  }
  if (isExcluded) for (let i = 2; i < all.length; i++) if (all[i].installable && isExcluded(all[i].pkg)) all[i].installable = false;
  return index;
}

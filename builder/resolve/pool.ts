// The solver's view of the candidate packages, numbered as libsolv numbers solvables:
// id 1 is the "system" solvable, then every package of every repo in repo order and
// primary.xml order (tie-breaks fall back to this order, as libsolv's do). Owns dependency
// matching (rpm's range overlap, unversioned provides match anything, a missing release
// matches any), file provides, arch scores and colors. Excluded and hidden packages are
// not installable (libsolv's "considered" map) but, as dnf configures libsolv, still listed
// as providers.
import type { Dep, Evr, RepoPackage, Sense } from '../model/package.js';
import { compareEvr } from '../rpm/vercmp.js';
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

/**
 * The request-independent part: solvables, name/provides indexes and the whatprovides
 * cache. Built once per repo set and reused by every resolve (excludes only flip the
 * per-request "installable" flags, since excluded packages stay listed as providers).
 */
export class PoolIndex {
  readonly solvables: Solvable[] = [];
  readonly byName = new Map<string, number[]>();
  /** name -> flat [id, index into pkg.provides (-1: the implicit "name = evr")] pairs. */
  private readonly provides = new Map<string, number[]>();
  private files?: Map<string, number[]>;
  private readonly cache = new Map<string, number[]>();
  private readonly idOf = new Map<RepoPackage, number>();
  private readonly owners = new Map<string, readonly RepoPackage[]>();
  /** Paths a resolve needed whose owners are unknown (see PoolSource.fileOwnersComplete). */
  readonly missingFiles = new Set<string>();

  constructor(readonly source: PoolSource) {
    for (const [k, v] of source.fileOwners ?? []) this.owners.set(k, v);
    const policy = ARCH_POLICIES[source.arch] ?? [source.arch];
    const score = new Map<string, number>(policy.map((a, i) => [a, ((i + 1) << 16) | 1]));
    score.set('noarch', 1);
    this.solvables.length = 2;
    let id = 2;
    source.repos.forEach((repo, ri) => {
      for (const pkg of repo.packages) {
        const archScore = score.get(pkg.arch) ?? 0;
        const s: Solvable = {
          id,
          pkg,
          name: pkg.name,
          evr: { epoch: pkg.epoch, version: pkg.version, release: pkg.release },
          arch: pkg.arch,
          repo: ri,
          priority: -repo.priority,
          subpriority: -repo.cost,
          archScore,
          color: archColor(pkg.arch),
          installable: archScore !== 0,
        };
        this.solvables.push(s);
        this.idOf.set(pkg, id);
        // POOL_FLAG_WHATPROVIDESWITHDISABLED (dnf sets it): excluded packages still show up
        // as providers; their own "not installable" rule keeps them out.
        if (archScore !== 0) this.index(s);
        id++;
      }
    });
  }

  get size(): number {
    return this.solvables.length;
  }

  idOfPackage(pkg: RepoPackage): number | undefined {
    return this.idOf.get(pkg);
  }

  private index(s: Solvable): void {
    push(this.byName, s.name, s.id);
    pushPair(this.provides, s.name, s.id, -1);
    const prov = s.pkg.provides;
    for (let i = 0; i < prov.length; i++) pushPair(this.provides, prov[i].name, s.id, i);
  }

  /** Files primary.xml lists, indexed on the first file dependency. */
  private fileIndex(): Map<string, number[]> {
    if (!this.files) {
      this.files = new Map();
      for (const s of this.solvables) if (s && s.archScore !== 0) for (const f of s.pkg.files) push(this.files, f, s.id);
    }
    return this.files;
  }

  /** Providers of a simple (non-rich) dependency, ascending ids (excluded ones included). */
  whatProvides(dep: Dep): number[] {
    const key = dep.sense && dep.evr ? `${dep.name}\0${dep.sense}\0${dep.evr.epoch}:${dep.evr.version}-${dep.evr.release ?? ''}` : dep.name;
    let r = this.cache.get(key);
    if (r) return r;
    const found: number[] = [];
    const pairs = this.provides.get(dep.name);
    if (pairs)
      for (let i = 0; i < pairs.length; i += 2) {
        const s = this.solvables[pairs[i]];
        const k = pairs[i + 1];
        const p: Dep = k < 0 ? { name: s.name, sense: 'EQ', evr: s.evr } : s.pkg.provides[k];
        if (provideMatches(p, dep)) found.push(pairs[i]);
      }
    if (dep.name.startsWith('/')) {
      for (const id of this.fileIndex().get(dep.name) ?? []) found.push(id);
      const owners = this.owners.get(dep.name);
      if (!owners && this.source.fileOwnersComplete === false && !primaryCoversPath(dep.name)) this.missingFiles.add(dep.name);
      for (const pkg of owners ?? []) {
        const id = this.idOf.get(pkg);
        if (id !== undefined && this.solvables[id].archScore !== 0) found.push(id);
      }
    }
    r = found.length < 2 ? found : [...new Set(found)].sort((a, b) => a - b);
    this.cache.set(key, r);
    return r;
  }

  /** Learn the owners of more paths (from filelists); cached answers are recomputed. */
  addFileOwners(owners: ReadonlyMap<string, readonly RepoPackage[]>): void {
    for (const [k, v] of owners) this.owners.set(k, v);
    for (const k of owners.keys()) this.missingFiles.delete(k);
    this.cache.clear();
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
export function poolForRequest(index: PoolIndex, hidden: ReadonlySet<RepoPackage> | undefined, isExcluded: (pkg: RepoPackage) => boolean): Pool {
  for (const s of index.solvables) if (s) s.installable = s.archScore !== 0 && !hidden?.has(s.pkg) && !isExcluded(s.pkg);
  return index;
}

function pushPair(m: Map<string, number[]>, k: string, a: number, b: number): void {
  const arr = m.get(k);
  if (arr) arr.push(a, b);
  else m.set(k, [a, b]);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

// Package data shared between stages: NEVRA, EVR and dependencies as the repository
// metadata states them. The repo stage produces RepoPackage; the resolver consumes it.
// Plain data only (no classes), so it can be cached as JSON.

/** rpm's dependency sense, as primary.xml spells it (flags="GE"). Absent = unversioned. */
export type Sense = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE';

export interface Evr {
  /** Missing epoch is 0 (as rpm and libsolv compare). */
  epoch: number;
  version: string;
  /** Absent in a dependency like "foo >= 1.0": matches any release. */
  release?: string;
}

export interface Dep {
  /** The capability; a rich dependency keeps its whole "(a or b)" text here and no sense. */
  name: string;
  sense?: Sense;
  evr?: Evr;
  /** Requires(pre) / Requires(post...) as primary.xml's pre="1". */
  pre?: boolean;
}

export type DepKind = 'provides' | 'requires' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances';
export const DEP_KINDS: readonly DepKind[] = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'];

export interface Nevra {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

/** One <package> of primary.xml. */
export interface RepoPackage extends Nevra, Record<DepKind, Dep[]> {
  repo: string;
  /** pkgid: the checksum of the .rpm as "<algo>:<hex>" (sha256, sha1, sha512). */
  checksum: string;
  location: string;
  /** xml:base of <location>, when a repo points elsewhere for packages. */
  locationBase?: string;
  sizePackage: number;
  sizeInstalled: number;
  sourcerpm?: string;
  buildtime?: number;
  /** The files primary.xml lists (its subset: /etc, bin dirs, ...). Full lists come from filelists. */
  files: string[];
}

export function formatNevra(p: Nevra): string {
  return `${p.name}-${p.epoch ? p.epoch + ':' : ''}${p.version}-${p.release}.${p.arch}`;
}

/**
 * Request-independent lookups over one repo's package list, as positions into that list
 * (ascending, each once). The repo stage builds them from its parsed form (string and
 * dependency ids) so the resolver need not read every package, nor index every provide
 * with Maps, for each request.
 */
export interface PackageIndex {
  /** Packages named `name`. */
  byName(name: string): ArrayLike<number>;
  /** Packages providing `name` at any version, their own name included. */
  byProvide(name: string): ArrayLike<number>;
  /** Packages with an Obsoletes on `name` (any version). */
  byObsolete(name: string): ArrayLike<number>;
  /** Packages whose primary.xml file list (the subset) has `path`. */
  byFile(path: string): ArrayLike<number>;
  /** Packages with Supplements. */
  readonly supplementing: ArrayLike<number>;
  /** Packages with Supplements or Enhances. */
  readonly weak: ArrayLike<number>;
}

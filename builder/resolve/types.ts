// Input and output of the resolver: candidate packages per repo, comps, the request, and
// optional pins in; the package set dnf (libsolv) would install into an empty root out.
// Pure data; the repo stage produces the packages, the pipeline wires the rest.
import type { Nevra, PackageIndex, RepoPackage } from '../model/package.js';

export interface ResolveRepo {
  id: string;
  /** dnf's priority: lower number wins (default 99). */
  priority: number;
  /** dnf's cost: lower wins among equal versions (default 1000). */
  cost: number;
  packages: RepoPackage[];
  /** Lookups over `packages` (the repo stage's); built from the packages when absent. */
  index?: PackageIndex;
}

export interface CompsPackageRef {
  name: string;
  type: 'mandatory' | 'default' | 'optional' | 'conditional';
  /** conditional: install only if this package gets installed. */
  requires?: string;
  basearchonly?: boolean;
}

export interface CompsData {
  groups: { id: string; name?: string; packages: CompsPackageRef[] }[];
  environments: { id: string; name?: string; groups: string[]; options: { id: string; default: boolean }[] }[];
}

export interface ResolveRequest {
  /** dnf specs: name, glob, name.arch, NEVRA forms, provides ("foo >= 1"), /file, @group, @^environment. */
  specs: string[];
  /** dnf excludes (NEVRA-form globs); they apply to the whole solution. */
  exclude: string[];
  /** dnf's install_weak_deps. */
  weakDeps: boolean;
  /**
   * dnf's `best`: true (the dnf.conf EL 8-10 ship) = every job gets its newest candidate or
   * the request fails ("cannot install the best candidate for the job"); false (Fedora's
   * dnf.conf, and dnf's compiled-in default) = an older version is taken when the newest
   * cannot be installed. Default true.
   */
  best?: boolean;
  /** The base arch (x86_64, aarch64, ...). */
  arch: string;
  /**
   * What `@^environment` installs besides its grouplist: dnf 4 (EL 8-10) nothing more, dnf5
   * (Fedora 41+) also the optionlist groups marked default. Default false (dnf 4).
   */
  environmentDefaultOptions?: boolean;
}

/** A package pinned by a partial lock: its NEVRA must be chosen when its name is installed. */
export interface PinnedPackage extends Nevra {
  repo?: string;
}

export interface ResolveInput {
  repos: ResolveRepo[];
  comps?: CompsData;
  /** Packages the module filter hides (dnf's modular excludes). */
  hidden?: ReadonlySet<RepoPackage>;
  /** Owners of paths primary.xml does not cover (from filelists), for file dependencies. */
  fileOwners?: ReadonlyMap<string, readonly RepoPackage[]>;
  request: ResolveRequest;
  pins?: PinnedPackage[];
}

export interface ResolveResult {
  /** Sorted by name, then EVR, then arch. */
  packages: RepoPackage[];
  /**
   * Set when the resolver was given incomplete file owners and needed these paths: the
   * result is not final; add their owners (Resolver.addFileOwners) and resolve again.
   */
  needFiles?: string[];
  /** Non-fatal notes, as dnf prints them (e.g. 'No match for group package "foo"'). */
  warnings: string[];
}

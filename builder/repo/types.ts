// Input and output types of the repo stage: repository metadata (repomd.xml and the files
// it lists) turned into typed data for the resolver. Packages use the shared model type
// (builder/model/package.ts); everything here is plain data except RepoMetadata's lazy
// file-list lookups.
import type { Ctx } from '../context.js';
import type { PackageIndex, RepoPackage } from '../model/package.js';

export type { RepoPackage };

/**
 * Opens a metadata file by its href relative to the repo base ("repodata/repomd.xml").
 * The repo stage never does networking: the pipeline binds a local or an HTTP opener.
 * Rejects with an error whose code is ENOENT (or an HTTP 404 mapped to ENOENT) when absent.
 */
export type MetadataOpener = (href: string) => Promise<NodeJS.ReadableStream>;

/** One <data type="..."> of repomd.xml. */
export interface RepomdRecord {
  type: string;
  /** href relative to the repo base. */
  location: string;
  locationBase?: string;
  /** Checksum of the file as stored (compressed), "<algo>:<hex>". */
  checksum: string;
  /** Checksum of the uncompressed content, "<algo>:<hex>". */
  openChecksum?: string;
  size?: number;
  openSize?: number;
  timestamp?: number;
}

export interface Repomd {
  revision?: string;
  /** "sha256:<hex>" of repomd.xml itself, as the lockfile records it. */
  checksum: string;
  records: Record<string, RepomdRecord>;
}

export interface LoadRepoOptions {
  id: string;
  open: MetadataOpener;
  /** State dir; parsed metadata is cached under cacheLayout(cacheDir).metadata. */
  cacheDir?: string;
  /** Optional parts (default: all present in repomd.xml are loaded; filelists lazily). */
  want?: { filelists?: boolean; comps?: boolean; modules?: boolean };
  /** When set (e.g. from a lockfile), repomd.xml must hash to this "sha256:<hex>". */
  expectRepomd?: string;
  /** Worker threads for parsing primary.xml (0 = this thread only); default: by its size and the cores. */
  threads?: number;
}

export type LoadRepoCtx = Pick<Ctx, 'log' | 'signal'>;

// ---- comps -------------------------------------------------------------------------

export type CompsPackageType = 'mandatory' | 'default' | 'optional' | 'conditional';

export interface CompsPackageReq {
  name: string;
  type: CompsPackageType;
  /** conditional: installed only if this package is (comps' requires="..."). */
  requires?: string;
  basearchonly?: boolean;
}

export interface CompsGroup {
  id: string;
  name: string;
  description?: string;
  /** Selected by default when its environment is installed. */
  default: boolean;
  uservisible: boolean;
  displayOrder?: number;
  packages: CompsPackageReq[];
}

export interface CompsEnvironment {
  id: string;
  name: string;
  description?: string;
  displayOrder?: number;
  /** Groups always installed with the environment. */
  groups: string[];
  /** Optional groups; default=true ones are installed unless weak deps/optional are off. */
  options: { id: string; default: boolean }[];
}

export interface CompsCategory {
  id: string;
  name: string;
  description?: string;
  displayOrder?: number;
  groups: string[];
}

export interface Comps {
  groups: CompsGroup[];
  environments: CompsEnvironment[];
  categories: CompsCategory[];
}

// ---- modules -----------------------------------------------------------------------

/** One modulemd v2 document: a (name, stream, version, context, arch). */
export interface ModuleStream {
  name: string;
  stream: string;
  /** Digits; may exceed 2^53, so kept as a string and compared as BigInt. */
  version: string;
  context: string;
  arch: string;
  summary?: string;
  /** Alternatives (any one must hold): module -> allowed streams ([] = any, "-s" = not s). */
  requires: Record<string, string[]>[];
  profiles: Record<string, string[]>;
  /** artifacts.rpms as "name-epoch:version-release.arch". */
  artifacts: string[];
}

/** modulemd-defaults v1. */
export interface ModuleDefaults {
  module: string;
  stream?: string;
  profiles: Record<string, string[]>;
}

export interface ModuleIndex {
  streams: ModuleStream[];
  /** By module name. */
  defaults: Record<string, ModuleDefaults>;
}

/** What the recipe (or dnf's module state) says. */
export interface ModuleState {
  /** module -> stream, enabled explicitly. */
  enabled?: Record<string, string>;
  /** Modules disabled explicitly: none of their streams is active, defaults ignored. */
  disabled?: string[];
  /** The platform stream ("el9" from PLATFORM_ID="platform:el9"); unset = any platform. */
  platform?: string;
}

export interface ModularFilter {
  /** Active module streams (after dependency resolution), "name:stream:version:context". */
  active: ModuleStream[];
  /** Packages dnf hides: inactive modular ones, and non-modular ones shadowed by active streams. */
  hidden: Set<RepoPackage>;
  /** Why a requested or default stream could not be activated. */
  problems: string[];
}

// ---- the result --------------------------------------------------------------------

export interface RepoMetadata {
  id: string;
  revision?: string;
  /** "sha256:<hex>" of repomd.xml (the lockfile's repos[].repomd). */
  repomdChecksum: string;
  records: Record<string, RepomdRecord>;
  packages: RepoPackage[];
  /** Lookups over `packages` by name, provide, obsolete and primary file (for the resolver). */
  index: PackageIndex;
  /**
   * Owners (in this repo) of its packages' file dependencies beyond primary's subset, when
   * an earlier run read filelists.xml and kept them in the cache; absent otherwise.
   */
  fileDepOwners?: ReadonlyMap<string, readonly RepoPackage[]>;
  comps?: Comps;
  modules?: ModuleIndex;
  /** Every file of a package; reads filelists.xml on first use. */
  filesOf(pkg: RepoPackage): Promise<string[]>;
  /**
   * Packages whose file list has `path`. Paths primary.xml covers completely (/etc/…,
   * …bin/…, /usr/lib/sendmail) are answered from primary; others read filelists.xml once.
   */
  whoOwnsFile(path: string): Promise<RepoPackage[]>;
  /** whoOwnsFile for many paths at once: one pass over the file lists for all of them. */
  whoOwnsFiles(paths: Iterable<string>): Promise<Map<string, RepoPackage[]>>;
  /** Whether filelists.xml has been read. */
  filelistsLoaded(): boolean;
  /**
   * Resolves when the parsed-metadata cache files this load started writing are complete.
   * They are written in the background; a process need not wait (Node finishes pending
   * writes before it exits, and a write cut short leaves only a temp file, never a torn one).
   */
  settled(): Promise<void>;
}

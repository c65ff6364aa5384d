// Data the assemble stage works on: one typed view of each package to install (what the
// rpm header says about files, dependencies, scriptlets and triggers), the input the
// pipeline hands in and the result it gets back. Plain data only; from-rpm.ts fills
// InstallPackage from builder/rpm's packageInfo().
import type { Dep, Nevra } from '../model/package.js';
import type { Lockfile } from '../model/lockfile.js';
import type { Recipe } from '../model/recipe.js';

/** A scriptlet as the header stores it: interpreter argv (prog[0] is "<lua>" for rpm's built-in Lua) and body. */
export interface Scriptlet {
  prog: string[];
  body: string;
}

export type ScriptletKind = 'pretrans' | 'pre' | 'post' | 'posttrans';

/** %triggerprein / %triggerin (the erase-side triggers never fire on a fresh install). */
export interface Trigger {
  kind: 'prein' | 'in' | 'un' | 'postun';
  /** The package name (or provide) that fires it, with an optional version condition. */
  dep: Dep;
  script: Scriptlet;
}

/** %filetriggerin / %transfiletriggerin: fire once per transaction/package for files under a prefix. */
export interface FileTrigger {
  kind: 'in' | 'un' | 'postun';
  /** true for %transfiletrigger* (runs once after the whole transaction). */
  trans: boolean;
  prefixes: string[];
  /** Higher runs first (rpm's default 1000000). */
  priority: number;
  script: Scriptlet;
}

export type FileKind = 'file' | 'dir' | 'symlink' | 'chr' | 'blk' | 'fifo' | 'socket';

export interface InstallFile {
  path: string;
  kind: FileKind;
  /** Permission bits and suid/sgid/sticky (no file type bits). */
  perm: number;
  user: string;
  group: string;
  mtime: number;
  size: number;
  linkTo?: string;
  rdev?: number;
  ghost: boolean;
  config: boolean;
  /** rpm file colour: 1 = ELF32, 2 = ELF64, 0 = no colour (multilib conflict rule). */
  color: number;
  /** File capabilities in text form (cap_net_raw+ep), from the header. */
  caps?: string;
  /** Hard-link group within the package (files sharing one inode), when it has several members. */
  linkGroup?: number;
}

export interface InstallPackage extends Nevra {
  /** sha256 hex of the .rpm file (the store's per-package key). */
  sha256: string;
  /** Path of the verified .rpm on disk. */
  path: string;
  provides: Dep[];
  /** `pre` marks install-time prerequisites: Requires(pre), (post), (pretrans), (posttrans) and legacy PreReq. */
  requires: Dep[];
  /** The header's BUILDTIME. */
  buildTime: number;
  /** OrderWithRequires: ordering hints only. */
  orderHints?: Dep[];
  files: InstallFile[];
  scripts: Partial<Record<ScriptletKind, Scriptlet>>;
  triggers: Trigger[];
  fileTriggers: FileTrigger[];
  /** The main header as in the package (with its immutable region), for the rpmdb writer. */
  headerBlob?: Uint8Array;
  /** The signature header (rpm merges its legacy tags into the stored header). */
  signatureBlob?: Uint8Array;
}

export interface AssembleInput {
  lock: Lockfile;
  /** Every locked package, fetched and verified. */
  packages: { nevra: string; path: string; sha256: string }[];
  recipe: Recipe;
  /** Where to build the root (default: a fresh dir under the cache's checkouts/). */
  root?: string;
  /**
   * Unix time recorded as the install time in the rpmdb (deterministic builds). Default: the
   * newest BUILDTIME among the packages, which a lock determines (as SOURCE_DATE_EPOCH would).
   */
  installTime?: number;
}

export interface ScriptletResult {
  nevra: string;
  /** pretrans, pre, post, posttrans, triggerprein, triggerin, filetriggerin, transfiletriggerin, post-install hook */
  kind: string;
  prog: string;
  /** For triggers: the package that set it off. */
  source?: string;
  ok: boolean;
  exitCode: number;
  output: string;
}

export interface AssembleStats {
  packages: number;
  files: number;
  bytes: number;
  scriptlets: number;
  failedScriptlets: number;
  /** Packages unpacked fresh into the store vs taken from it unchanged. */
  imported: number;
  reused: number;
  ms: { read: number; order: number; import: number; checkout: number; scriptlets: number; rpmdb: number; total: number };
}

export interface AssembleOutput {
  root: string;
  /** In transaction order. */
  installed: string[];
  /** Packages skipped because their %pre failed (rpm skips them too). */
  skipped: string[];
  scriptletResults: ScriptletResult[];
  stats: AssembleStats;
  /**
   * The packages' own hard-link sets (root-relative paths). The checkout also links files of
   * different packages to one store object; only these sets may become links in a template.
   */
  linkGroups: string[][];
  /** The install time recorded in the rpmdb (input.installTime or its default). */
  installTime: number;
}

// A loaded, validated recipe (after `extends` is applied and $releasever/$basearch are
// expanded). The YAML schema and loader live in builder/recipe/; this is the data other
// stages see.
export const RECIPE_VERSION = 1 as const;

export interface RecipeRepo {
  id: string;
  name?: string;
  baseurl: string[];
  mirrorlist?: string;
  metalink?: string;
  enabled: boolean;
  gpgcheck: boolean;
  repoGpgcheck: boolean;
  /** Key locations: file:// paths or https URLs (never a keyserver). */
  gpgkey: string[];
  /** Pinned OpenPGP fingerprints (40 hex, upper case) the keys must match. */
  fingerprint: string[];
  priority: number;
  cost: number;
  /** Per-repo excludes (dnf's excludepkgs). */
  exclude: string[];
  moduleHotfixes?: boolean;
  /** TLS client identity for entitlement repos (cdn.redhat.com): absolute host paths. */
  sslclientcert?: string;
  sslclientkey?: string;
  /** CA bundle to verify the repo's server with (e.g. /etc/rhsm/ca/redhat-uep.pem). */
  sslcacert?: string;
  /** false only for mirrors with broken TLS; default true. */
  sslverify?: boolean;
  /** dnf's skip_if_unavailable: a repo that cannot be reached is left out instead of failing. */
  skipIfUnavailable?: boolean;
}

export interface RecipeHooks {
  /** Run on the host before the template cache is made, with the root path as $1. */
  preCache: string[];
  /** Run on the host after the cache is packed, with the cache path as $1. */
  postCache: string[];
  /** Run inside the root (sandboxed) after all packages are installed. */
  postInstall: string[];
}

export interface Recipe {
  version: typeof RECIPE_VERSION;
  name: string;
  /** Absolute path of the file this recipe was loaded from. */
  file: string;
  distro: { id: string; release: string; arch: string };
  /** Template cache naming as vzpkg: <os>-<release>-<arch>[-<variant>]. */
  variant?: string;
  repos: RecipeRepo[];
  /** Specs as dnf takes them: names, globs, provides, /file paths, @group, @^environment, module:stream/profile via modules. */
  packages: string[];
  exclude: string[];
  weakDeps: boolean;
  /** dnf's `best`: the newest candidate or an error (true), or older versions when the newest is broken (false); unset = the distro's dnf.conf. */
  best?: boolean;
  /** platformId: dnf's module_platform_id ("platform:el9"); unset = derived from distro. */
  modules: { enable: string[]; disable: string[]; platformId?: string };
  /** Additional arches besides the base arch and noarch (e.g. i686 for multilib). */
  multilibArches: string[];
  hooks: RecipeHooks;
  output: {
    formats: ('tar.gz' | 'tar.xz' | 'tar.zst' | 'dir')[];
    /** Path of a SOURCE_DATE_EPOCH override; default from the lock. */
    sourceDateEpoch?: number;
    /** Compression level per format; unset = the tool's own default. */
    levels?: Partial<Record<'tar.gz' | 'tar.xz' | 'tar.zst', number>>;
  };
  /** The rpmdb backend the target's rpm reads. */
  rpmdb: 'sqlite' | 'bdb';
  description?: string;
  /** Environment for scriptlets and post-install hooks (vzpkg's EZ `environment` file). */
  environment?: Record<string, string>;
}

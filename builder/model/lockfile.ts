// The lockfile: what resolve produces and fetch/assemble consume. Sorted and
// deterministic so that it diffs cleanly and hashes the same on every run.
export const LOCKFILE_VERSION = 1 as const;

export interface LockedRepo {
  id: string;
  /** The base URL packages are fetched from (after $releasever/$basearch expansion). */
  url: string;
  /** "<algo>:<hex>" of the repomd.xml the lock was made from. */
  repomd: string;
}

export interface LockedPackage {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  repo: string;
  /** Path relative to the repo's base URL (primary.xml <location href>). */
  location: string;
  /** "<algo>:<hex>" as the repo states it (sha256 preferred; old repos have sha1). */
  checksum: string;
  size: number;
}

export interface Lockfile {
  version: typeof LOCKFILE_VERSION;
  recipe: string;
  distro: { id: string; release: string; arch: string };
  repos: LockedRepo[];
  packages: LockedPackage[];
}

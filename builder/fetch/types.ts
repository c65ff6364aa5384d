// Inputs and outputs of the fetch stage. Plain data.
import type { LockedPackage, LockedRepo } from '../model/lockfile.js';
import type { RecipeRepo } from '../model/recipe.js';
import type { HttpSettings } from './http.js';

export interface FetchInput {
  packages: LockedPackage[];
  /** The lock's repos: id -> base URL the lock was resolved from. */
  lockRepos: LockedRepo[];
  /** The recipe's repos (mirrors, TLS, GPG keys); undefined when fetching from a lock alone. */
  recipeRepos?: RecipeRepo[];
}

export interface FetchOptions {
  /** Cache only (vzpkg -C): fail naming every package that is not cached. */
  offline?: boolean;
  /** Parallel downloads overall (default 8). */
  concurrency?: number;
  /** Extra rounds over the mirrors after the first (default 2). */
  retries?: number;
  backoffMs?: number;
  /** Re-hash cache hits instead of trusting the content-addressed name and size. */
  verifyCache?: boolean;
  http?: Partial<HttpSettings>;
}

export interface FetchedPackage {
  nevra: string;
  path: string;
  sha256: string;
  size: number;
  fromCache: boolean;
}

export interface FetchStats {
  files: number;
  downloaded: number;
  cached: number;
  /** Bytes that went over the network. */
  bytesDownloaded: number;
  /** Bytes reused from interrupted earlier downloads. */
  bytesResumed: number;
  /** Failed attempts that another attempt or mirror made good. */
  retries: number;
  signaturesChecked: number;
  ms: number;
}

export interface FetchResult {
  packages: FetchedPackage[];
  stats: FetchStats;
}

/** What a progress event looks like (ctx.log.progress). */
export type FetchProgress =
  | { event: 'fetch-start'; files: number; bytes: number; cached: number }
  | { event: 'fetch-progress'; filesDone: number; files: number; bytesDone: number; bytes: number; rate: number }
  | { event: 'fetch-file'; nevra: string; size: number; fromCache: boolean; url?: string }
  | { event: 'fetch-retry'; nevra: string; url: string; reason: string }
  | { event: 'fetch-wait'; nevra: string; holder?: number };

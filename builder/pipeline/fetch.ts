// Pipeline step: a lockfile (plus the recipe's repos, for mirrors, TLS and keys) → verified
// packages in the cache. Data in, data out; the fetch stage does the work.
import type { Ctx } from '../context.js';
import { fetchPackages, type FetchOptions, type FetchResult } from '../fetch/index.js';
import type { Lockfile } from '../model/lockfile.js';
import type { RecipeRepo } from '../model/recipe.js';

export type { FetchOptions, FetchResult } from '../fetch/index.js';

export function fetchLock(lock: Lockfile, repos: RecipeRepo[] | undefined, ctx: Ctx, opts: FetchOptions = {}): Promise<FetchResult> {
  return fetchPackages({ packages: lock.packages, lockRepos: lock.repos, recipeRepos: repos }, ctx, opts);
}

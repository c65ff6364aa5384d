// Shared setup for the fetch tests: a context with a recording logger, a recipe repo, and
// helpers to look into the package cache.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx, Logger } from '../../builder/context.js';
import { makeCtx } from '../../builder/context.js';
import type { RecipeRepo } from '../../builder/model/recipe.js';
import { resolveSettings } from '../../builder/settings.js';

export interface Recorded {
  warnings: string[];
  events: Record<string, unknown>[];
}

export function testCtx(cacheDir: string, env: NodeJS.ProcessEnv = {}): Ctx & { rec: Recorded } {
  const rec: Recorded = { warnings: [], events: [] };
  const log: Logger = {
    debug() {},
    info() {},
    warn: (m) => void rec.warnings.push(m),
    error() {},
    progress: (e) => void rec.events.push(e),
  };
  return Object.assign(makeCtx({ settings: resolveSettings({ cacheDir }, {}), log, env }), { rec });
}

export function recipeRepo(id: string, baseurl: string[], extra: Partial<RecipeRepo> = {}): RecipeRepo {
  return { id, baseurl, enabled: true, gpgcheck: false, repoGpgcheck: false, gpgkey: [], fingerprint: [], priority: 99, cost: 1000, exclude: [], ...extra };
}

/** The cache holds only verified files: every <sha256>.rpm hashes to its name. */
export function assertCacheVerified(cacheDir: string): number {
  const dir = join(cacheDir, 'packages');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const name of readdirSync(dir)) {
    const m = /^([0-9a-f]{64})\.rpm$/.exec(name);
    if (!m) continue;
    const h = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    if (h !== m[1]) throw new Error(`cache holds ${name} whose sha256 is ${h}`);
    n++;
  }
  return n;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export const FAST_HTTP = { idleTimeoutMs: 2000, connectTimeoutMs: 2000, minRate: 0 };

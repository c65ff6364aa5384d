// Parsed packages (InstallPackage) kept per RPM checksum, so a rebuild — and any build
// sharing packages with an earlier one — does not read and parse every header again
// (RHEL 6 @core: 212 headers, 30k file records; parsing them took 0.3-0.5 s, reading
// back the parsed form takes a third of that, with one sync read per package instead of
// eight threadpool round trips).
//
// Keyed by the RPM's sha256 (the package cache verifies it), versioned by directory
// (cache format + tool version: a change of either starts afresh). Each file is written
// under a temp name and renamed; a file that does not deserialize, or names another
// package, is a miss (and is rewritten), so a torn or foreign file costs only a re-parse.
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { InstallPackage } from './types.js';

/**
 * Bump when what an InstallPackage holds, or how it is made from a header (from-rpm.ts,
 * builder/rpm's packageInfo), changes: cached packages of the old shape are then ignored.
 */
export const HEADER_CACHE_VERSION = 1;

interface CachedPackage {
  v: number;
  sha256: string;
  pkg: Omit<InstallPackage, 'path'>;
}

export interface HeaderCache {
  /** The cached package for this RPM (with `path` set to where it is now), or undefined. */
  get(sha256: string, path: string): InstallPackage | undefined;
  put(pkg: InstallPackage): void;
}

const SHA_RE = /^[0-9a-f]{64}$/;

const versionDir = (toolVersion: string) => `v${HEADER_CACHE_VERSION}-${toolVersion.replace(/[^A-Za-z0-9._-]/g, '_')}`;

/** Where this vzbuild version keeps its parsed headers under `dir`. */
export function headerCacheDir(dir: string, toolVersion: string): string {
  return join(dir, versionDir(toolVersion));
}

export function openHeaderCache(dir: string, toolVersion: string): HeaderCache {
  const root = headerCacheDir(dir, toolVersion);
  let made = false;
  return {
    get(sha256, path) {
      if (!SHA_RE.test(sha256)) return undefined;
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(root, sha256));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      let doc: CachedPackage;
      try {
        doc = deserialize(bytes) as CachedPackage;
      } catch {
        return undefined; // torn or not ours: parse the header again
      }
      if (doc?.v !== HEADER_CACHE_VERSION || doc.sha256 !== sha256 || typeof doc.pkg?.name !== 'string' || !Array.isArray(doc.pkg.files)) return undefined;
      return { ...doc.pkg, path, sha256 };
    },
    put(pkg) {
      if (!SHA_RE.test(pkg.sha256)) return;
      if (!made) {
        mkdirSync(root, { recursive: true });
        made = true;
      }
      const { path: _path, ...rest } = pkg;
      const file = join(root, pkg.sha256);
      const tmp = `${file}.tmp-${process.pid}`;
      try {
        writeFileSync(tmp, serialize({ v: HEADER_CACHE_VERSION, sha256: pkg.sha256, pkg: rest } satisfies CachedPackage));
        renameSync(tmp, file);
      } catch (e) {
        try {
          unlinkSync(tmp);
        } catch {
          // never made, or renamed already
        }
        // A cache: a write that fails (disk full, the dir removed by gc meanwhile) costs the
        // next build a re-parse, never this build.
        void e;
      }
    },
  };
}

/**
 * `vzbuild gc`: remove the caches of other cache formats or vzbuild versions (each version
 * starts its own, so they pile up across upgrades). Returns the directories (to be) removed.
 */
export async function pruneHeaderCaches(dir: string, toolVersion: string, dryRun = false): Promise<string[]> {
  const keep = versionDir(toolVersion);
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const stale = names.filter((n) => n !== keep && /^v\d+-/.test(n)).map((n) => join(dir, n));
  if (!dryRun) for (const d of stale) await rm(d, { recursive: true, force: true });
  return stale;
}

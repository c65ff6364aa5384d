// Live roots: what gc must keep. A checkout registers itself (its path and the package
// indexes and loose objects it was built from); it stays live while its directory exists.
// A record without a path (a pinned template) stays live until unregistered.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { stableJson, unlinkQuiet, writeFileAtomic } from './atomic.js';
import { isStoreKey, type StoreKey } from './store-key.js';

export const ROOT_RECORD_VERSION = 1;

export interface RootRecord {
  version: typeof ROOT_RECORD_VERSION;
  id: string;
  /** The checkout directory; absent for pinned records. */
  path?: string;
  packages: { rpmSha256: string; importer: string }[];
  /** Objects used directly (entries added without a package index). */
  keys: StoreKey[];
}

const ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** A stable id for a checkout path. */
export function rootIdFor(path: string): string {
  return 'co-' + createHash('sha256').update(path).digest('hex').slice(0, 24);
}

export async function registerRoot(rootsDir: string, rec: Omit<RootRecord, 'version'>): Promise<void> {
  if (!ID_RE.test(rec.id)) throw new TypeError(`root id must match ${ID_RE}: ${rec.id}`);
  const doc: RootRecord = {
    version: ROOT_RECORD_VERSION,
    id: rec.id,
    path: rec.path,
    packages: [...new Map(rec.packages.map((p) => [`${p.importer}/${p.rpmSha256}`, p])).values()].sort((a, b) => (a.rpmSha256 < b.rpmSha256 ? -1 : 1)),
    keys: [...new Set(rec.keys)].sort(),
  };
  await writeFileAtomic(join(rootsDir, `${rec.id}.json`), stableJson(doc, undefined));
}

export async function unregisterRoot(rootsDir: string, id: string): Promise<void> {
  if (!ID_RE.test(id)) throw new TypeError(`bad root id: ${id}`);
  await unlinkQuiet(join(rootsDir, `${id}.json`));
}

export async function listRoots(rootsDir: string): Promise<RootRecord[]> {
  const out: RootRecord[] = [];
  let names: string[];
  try {
    names = await readdir(rootsDir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return out;
    throw err;
  }
  for (const name of names.sort()) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const doc = JSON.parse(await readFile(join(rootsDir, name), 'utf8')) as RootRecord;
    if (doc.version !== ROOT_RECORD_VERSION || !Array.isArray(doc.packages) || !Array.isArray(doc.keys) || !doc.keys.every(isStoreKey)) {
      throw new TypeError(`${join(rootsDir, name)}: not a version ${ROOT_RECORD_VERSION} root record`);
    }
    out.push(doc);
  }
  return out;
}

/**
 * Pin the packages a published template cache was built from, so gc keeps them (and a
 * rebuild stays warm) after its checkout is gone. Re-pinning a name replaces its record.
 */
export async function pinTemplate(rootsDir: string, templateName: string, packages: RootRecord['packages']): Promise<string> {
  const id = `tpl-${templateName}`;
  await registerRoot(rootsDir, { id, packages, keys: [] });
  return id;
}

// Per-package import indexes: the tree listing a package unpacked to, keyed by the RPM's
// sha256 and the importer version (the code that turned the RPM into entries). A package
// imported once is never unpacked again; changing the importer starts fresh indexes.
// The index is the completion marker of an import, so it is written last and atomically
// (by the store: see Store.stagePackageIndex).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { stableJson } from './atomic.js';
import { StoreError } from './errors.js';
import type { StoreKey } from './store-key.js';
import { entryProblems, type TreeEntry } from './tree-entry.js';

export const PACKAGE_INDEX_VERSION = 1;
/** Default importer id; bump (or pass your own) when the RPM → entries conversion changes. */
export const DEFAULT_IMPORTER = 'rpm-1';

export interface PackageIndex {
  version: typeof PACKAGE_INDEX_VERSION;
  importer: string;
  rpmSha256: string;
  entries: TreeEntry[];
}

const SHA_RE = /^[0-9a-f]{64}$/;
const IMPORTER_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function packageIndexPath(storeRoot: string, rpmSha256: string, importer: string): string {
  if (!SHA_RE.test(rpmSha256)) throw new StoreError('E_STORE_KEY', `package index: not a sha256: ${JSON.stringify(rpmSha256)}`);
  if (!IMPORTER_RE.test(importer)) throw new StoreError('E_STORE_KEY', `package index: bad importer id: ${JSON.stringify(importer)}`);
  return join(storeRoot, 'packages', importer, rpmSha256.slice(0, 2), `${rpmSha256}.json`);
}

/**
 * The index document for `entries`, validated: a bad entry fails the import that made it,
 * not a later read. The caller writes it (the store, after the objects are durable).
 */
export function encodePackageIndex(rpmSha256: string, entries: readonly TreeEntry[], importer: string): PackageIndex {
  const problems = entries.flatMap((e, i) => entryProblems(e, `entry ${i} (${(e as TreeEntry)?.path})`));
  if (problems.length) throw new StoreError('E_INVALID', `package index for ${rpmSha256}: ${problems.length} problem(s)\n  ${problems.slice(0, 20).join('\n  ')}`);
  return { version: PACKAGE_INDEX_VERSION, importer, rpmSha256, entries: [...entries] };
}

/** On-disk form: compact (one line), since indexes of big packages run to tens of thousands of entries. */
export function packageIndexText(doc: PackageIndex): string {
  return stableJson(doc, undefined);
}

/**
 * The index if it is present, well-formed and every object it names still exists;
 * otherwise undefined, so the caller re-imports (which repairs missing objects).
 */
export async function readPackageIndex(
  storeRoot: string,
  rpmSha256: string,
  importer: string,
  has: (key: StoreKey) => boolean,
): Promise<PackageIndex | undefined> {
  let text: string;
  try {
    text = await readFile(packageIndexPath(storeRoot, rpmSha256, importer), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  let doc: PackageIndex;
  try {
    doc = JSON.parse(text) as PackageIndex;
  } catch (err) {
    // Cannot happen with atomic writes unless the disk lies; treat as never imported.
    void err;
    return undefined;
  }
  if (doc?.version !== PACKAGE_INDEX_VERSION || doc.importer !== importer || doc.rpmSha256 !== rpmSha256 || !Array.isArray(doc.entries)) return undefined;
  if (doc.entries.some((e, i) => entryProblems(e, String(i)).length)) return undefined;
  for (const e of doc.entries) if (e.key && !has(e.key)) return undefined;
  return doc;
}

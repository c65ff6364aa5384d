// A template's installed root outlives its build: the newest checkout of each template is
// kept (a live root of the store, see build.ts). A later build whose *tree* inputs match it
// — the same lock, hooks, rpmdb format, SOURCE_DATE_EPOCH and builder version; formats,
// levels and output dir may differ — packs that root again instead of installing anew, as
// mkosi's incremental cache or a Docker layer does. That is the nightly-CI case (a kept
// --cache-dir, a fresh workspace) and the "add a tar.xz" case: one pack instead of a whole
// transaction.
//
// Trust is checked, not assumed: the record names the sha256 of the uncompressed tar stream
// the root gave when it was built, and the new pack must reproduce it byte for byte (the
// pack reads every byte anyway); otherwise nothing is published and the caller installs
// afresh. --force always installs afresh. Pre-cache hooks ran on the kept root before its
// first pack (their changes are in the recorded tar) and do not run again; post-cache hooks
// run on every published cache.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stableJson, unlinkQuiet, writeFileAtomic } from '../../cache/atomic.js';

export const KEPT_ROOT_VERSION = 1;
const SUFFIX = '.packed.json';

export interface KeptRoot {
  version: typeof KEPT_ROOT_VERSION;
  /** treeIdOf() (build.ts) of the inputs the root was installed from. */
  treeId: string;
  /** The checkout directory. */
  root: string;
  /** What the pack was given: the clamp and the checkout's hard-link groups. */
  sourceDateEpoch: number;
  hardLinks: string[][];
  /** The uncompressed tar stream the root gave right after it was built. */
  tar: { sha256: string; size: number };
}

const recordPath = (root: string) => root + SUFFIX;

/** Record a root just packed (after its cache was published). */
export async function recordKeptRoot(rec: Omit<KeptRoot, 'version'>): Promise<void> {
  await writeFileAtomic(recordPath(rec.root), stableJson({ version: KEPT_ROOT_VERSION, ...rec }, undefined));
}

/** The root is about to be replaced or removed: its record goes first. */
export async function forgetKeptRoot(root: string): Promise<void> {
  await unlinkQuiet(recordPath(root));
}

/**
 * A kept root of this template (checkouts named `<name>-<16 hex>`) with this tree id whose
 * directory still exists. Records whose directory is gone are removed on the way.
 */
export async function findKeptRoot(checkoutsDir: string, name: string, treeId: string): Promise<KeptRoot | undefined> {
  let names: string[];
  try {
    names = await readdir(checkoutsDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  for (const n of names) {
    if (!n.endsWith(SUFFIX) || !n.startsWith(`${name}-`) || !/^[0-9a-f]{16}$/.test(n.slice(name.length + 1, -SUFFIX.length))) continue;
    const file = join(checkoutsDir, n);
    let rec: KeptRoot;
    try {
      rec = JSON.parse(await readFile(file, 'utf8')) as KeptRoot;
    } catch (e) {
      void e; // unreadable (a foreign or torn file): not a record we can use
      continue;
    }
    const root = file.slice(0, -SUFFIX.length);
    const live = await stat(root).then((s) => s.isDirectory(), () => false);
    if (!live) {
      await unlinkQuiet(file);
      continue;
    }
    if (rec.version !== KEPT_ROOT_VERSION || rec.treeId !== treeId || rec.root !== root || dirname(root) !== checkoutsDir || basename(root) !== n.slice(0, -SUFFIX.length)) continue;
    return rec;
  }
  return undefined;
}

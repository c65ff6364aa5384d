// Importing a package into the content-addressed store: its payload streamed into store
// objects (once per package, ever), its tree listing kept as the store's package index under
// our importer id. Metadata comes from the header, never the cpio; ".." paths and entries
// the header does not list are refused up front, naming the package.
import { type Store, type TreeEntry } from '../../cache/index.js';
import { formatNevra } from '../model/package.js';
import { payloadEntries } from '../rpm/index.js';
import { capsToXattr } from './caps.js';
import { UnsafePathError } from './errors.js';
import { checkPackagePath } from './safe-path.js';
import type { InstallFile, InstallPackage } from './types.js';

/** Bump when the RPM → tree-entry conversion changes: old indexes are then ignored. */
export const ASSEMBLE_IMPORTER = 'vzbuild-rpm-1';

const rel = (p: string) => p.replace(/^\/+/, '');
const BUFFER_MAX = 1 << 20;
const MAX_INFLIGHT = 32;

/** The package's tree listing from the store, importing the payload on first use. */
export async function importPackage(store: Store, pkg: InstallPackage, signal?: AbortSignal): Promise<{ entries: TreeEntry[]; imported: boolean }> {
  const known = await store.getPackageIndex(pkg.sha256, ASSEMBLE_IMPORTER);
  if (known) return { entries: known.entries, imported: false };
  const entries = await importPayload(store, pkg, signal);
  // Published with the batch's one syncfs (the caller's store.sync() or close()).
  await store.stagePackageIndex(pkg.sha256, entries, ASSEMBLE_IMPORTER);
  return { entries, imported: true };
}

/**
 * Stream the package's payload into store objects and return its tree listing; the caller
 * records that as the package index, which publishes after the objects are durable. Also
 * runs in a worker thread (import.worker.ts): everything it needs travels in `pkg`.
 */
export async function importPayload(store: Store, pkg: InstallPackage, signal?: AbortSignal): Promise<TreeEntry[]> {
  const nevra = formatNevra(pkg);
  for (const f of pkg.files) {
    const why = checkPackagePath(f.path);
    if (why) throw new UnsafePathError(nevra, f.path, why);
  }
  const entries: TreeEntry[] = [];
  const content = new Map<number, string>(); // link group → path carrying the content
  const pendingLinks: { group: number; entry: TreeEntry }[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  const track = (p: Promise<void>) => {
    const q: Promise<void> = p.catch((e) => void (failure ??= e)).finally(() => inflight.delete(q));
    inflight.add(q);
  };
  for await (const e of payloadEntries(pkg.path, { signal })) {
    if (failure) throw failure;
    const f: InstallFile | undefined = e.fileIndex >= 0 ? pkg.files[e.fileIndex] : undefined;
    if (!f) {
      e.body.resume();
      throw new UnsafePathError(nevra, e.path, 'payload entry not listed in the header');
    }
    if (f.ghost || f.path === '/') {
      // The root directory itself (filesystem owns "/") is the checkout's target: its
      // metadata is applied by checkoutPackage, not as an entry.
      e.body.resume();
      continue;
    }
    const base = { path: rel(f.path), mode: f.perm, uid: 0, gid: 0, mtime: f.mtime, size: 0 };
    switch (f.kind) {
      case 'dir':
        entries.push({ ...base, type: 'dir' });
        e.body.resume();
        break;
      case 'symlink':
        entries.push({ ...base, type: 'symlink', linkTarget: f.linkTo || e.linkTarget });
        e.body.resume();
        break;
      case 'file': {
        const caps = f.caps ? capsToXattr(f.caps) : undefined;
        const xattrs = caps ? { 'security.capability': caps } : undefined;
        if (e.size > 0) {
          const meta = { mode: f.perm, uid: 0, gid: 0, mtime: f.mtime, ...(xattrs ? { xattrs } : {}) };
          const at = entries.length;
          entries.push({ ...base, type: 'file', size: e.size, ...(xattrs ? { xattrs } : {}) });
          if (f.linkGroup !== undefined) content.set(f.linkGroup, base.path);
          // Small bodies are buffered so several store writes overlap (each is a handful
          // of syscalls; in sequence their latency, not the bytes, is what costs).
          if (e.size <= BUFFER_MAX) {
            const buf = await e.bytes();
            track(store.addBuffer(buf, meta).then((r) => void (entries[at] = { ...entries[at], size: r.size, key: r.key })));
            if (inflight.size >= MAX_INFLIGHT) await Promise.race(inflight);
          } else {
            const r = await store.addStream(e.body, meta, signal);
            entries[at] = { ...entries[at], size: r.size, key: r.key };
          }
        } else {
          e.body.resume();
          const entry: TreeEntry = { ...base, type: 'file', ...(xattrs ? { xattrs } : {}) };
          // In a hard-link set only one member carries the bytes; the rest become links to it.
          if (f.linkGroup !== undefined && f.size > 0) pendingLinks.push({ group: f.linkGroup, entry });
          else entries.push(entry);
        }
        break;
      }
      case 'chr':
      case 'blk':
        entries.push({ ...base, type: f.kind === 'chr' ? 'chardev' : 'blockdev', rdev: f.rdev ?? 0 });
        e.body.resume();
        break;
      case 'fifo':
        entries.push({ ...base, type: 'fifo' });
        e.body.resume();
        break;
      default:
        // Sockets cannot be packaged meaningfully; rpm creates none either.
        e.body.resume();
    }
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  for (const { group, entry } of pendingLinks) {
    const target = content.get(group);
    if (!target) throw new UnsafePathError(nevra, '/' + entry.path, 'hard-link set without content in the payload');
    entries.push({ ...entry, type: 'hardlink', linkTarget: target });
  }
  return entries;
}

// File kinds Node cannot create itself: device nodes and FIFOs (mknod/mkfifo), and
// flushing a whole filesystem (syncfs via `sync -f`), which is how the store makes a batch
// of objects durable with one journal commit instead of an fsync per file.
import { exec } from './exec.js';

export type NodeKind = 'chardev' | 'blockdev' | 'fifo';

export async function makeNode(path: string, kind: NodeKind, mode: number, major = 0, minor = 0, signal?: AbortSignal): Promise<void> {
  const m = (mode & 0o7777).toString(8);
  if (kind === 'fifo') await exec(['mkfifo', '-m', m, '--', path], { signal });
  else await exec(['mknod', '-m', m, '--', path, kind === 'chardev' ? 'c' : 'b', String(major), String(minor)], { signal });
}

/** syncfs(2) on the filesystem holding `path`. */
export async function syncFilesystem(path: string, signal?: AbortSignal): Promise<void> {
  await exec(['sync', '-f', path], { signal });
}

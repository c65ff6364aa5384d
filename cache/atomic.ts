// Atomic small-file writes: temp file in the same directory, fsync, rename, fsync the
// directory. Readers see the old file or the new one, never a torn one.
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isErrno } from '../builder/errors.js';

/** A temp name beside `path`: hidden, unique per process and call, recognisable for cleanup. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = tempNameFor(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlinkQuiet(tmp);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlinkQuiet(tmp);
    throw err;
  }
  await fsyncDir(dirname(path));
}

export async function unlinkQuiet(p: string): Promise<void> {
  try {
    await unlink(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err; // already gone is what we wanted
  }
}

/** Deterministic JSON: object keys sorted at every level, two-space indent, trailing newline. */
export function stableJson(value: unknown, indent: number | undefined = 2): string {
  return JSON.stringify(sortKeys(value), null, indent) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** Is there anything (of any type, a dangling symlink included) at `p`? */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

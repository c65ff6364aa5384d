// The tree listing a package unpacks to: what the package index stores and what a
// checkout materialises. Plain JSON data (no classes), validated when read back from disk.
import type { StoreKey } from './store-key.js';
import { isStoreKey } from './store-key.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';
export const ENTRY_TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'chardev', 'blockdev', 'fifo'];

export interface TreeEntry {
  /** Relative to the tree root, '/'-separated, no leading '/', no '.' or '..' components. */
  path: string;
  type: EntryType;
  /** Permission bits incl. suid/sgid/sticky (0o7777); file-type bits, if present, are ignored. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Content size for 'file' (0 for the others). */
  size: number;
  /** Store object for a non-empty 'file'. Empty files have none: they are created, never linked. */
  key?: StoreKey;
  /** Symlink target (verbatim) or, for 'hardlink', the tree path of the file it links to. */
  linkTarget?: string;
  /** Device number for chardev/blockdev, Linux dev_t encoding (major << 8 | minor for small ones). */
  rdev?: number;
  /** name → base64 value. For 'file' these are already part of the object (and its key). */
  xattrs?: Record<string, string>;
  /** Copy this file instead of hard-linking it (e.g. a %config file that is edited in place). */
  noLink?: boolean;
}

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor). */
export function splitRdev(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { major, minor };
}

export function makeRdev(major: number, minor: number): number {
  const M = BigInt(major);
  const m = BigInt(minor);
  return Number(((M & 0xfffn) << 8n) | ((M & ~0xfffn) << 32n) | (m & 0xffn) | ((m & ~0xffn) << 12n));
}

// Hoisted: this runs once per entry of every package index read (10^4–10^5 per build).
const ENTRY_FIELDS = new Set(['path', 'type', 'mode', 'uid', 'gid', 'mtime', 'size', 'key', 'linkTarget', 'rdev', 'xattrs', 'noLink']);

const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Every problem with one entry (empty when valid); `where` prefixes messages. */
export function entryProblems(e: unknown, where: string): string[] {
  if (typeof e !== 'object' || e === null) return [`${where}: not an object`];
  const x = e as Record<string, unknown>;
  const p: string[] = [];
  for (const k of Object.keys(x)) if (!ENTRY_FIELDS.has(k)) p.push(`${where}: unknown field ${k}`);
  if (typeof x.path !== 'string' || !x.path) p.push(`${where}: path must be a non-empty string`);
  if (!ENTRY_TYPES.includes(x.type as EntryType)) p.push(`${where}: type must be one of ${ENTRY_TYPES.join('|')}`);
  for (const k of ['mode', 'uid', 'gid', 'mtime', 'size'] as const) if (!int(x[k])) p.push(`${where}: ${k} must be a non-negative integer`);
  if (x.key !== undefined && !isStoreKey(x.key)) p.push(`${where}: key is not a store key`);
  if (x.type === 'file' && (x.size as number) > 0 && x.key === undefined) p.push(`${where}: non-empty file needs a key`);
  if ((x.type === 'symlink' || x.type === 'hardlink') && (typeof x.linkTarget !== 'string' || !x.linkTarget)) p.push(`${where}: ${x.type} needs linkTarget`);
  if ((x.type === 'chardev' || x.type === 'blockdev') && !int(x.rdev)) p.push(`${where}: device needs rdev`);
  if (x.xattrs !== undefined) {
    if (typeof x.xattrs !== 'object' || x.xattrs === null || Object.values(x.xattrs).some((v) => typeof v !== 'string')) p.push(`${where}: xattrs must map names to base64 strings`);
  }
  return p;
}

// Store keys: the one place that says what identifies an object and where it lives.
//
// A checkout hard-links files to store objects, and a hard link shares the whole inode:
// content, mode (including suid/sgid bits), owner, mtime and xattrs such as
// security.capability. So all of those are part of the key — two packages shipping the
// same bytes as 0755 root and 04755 root, or with different capabilities, get two objects.
// mtime is included because `rpm -V` checks it on regular files; sharing an inode between
// files whose headers disagree on mtime would make a correct root fail verification.
import { hash } from 'node:crypto';
import { StoreError } from './errors.js';

export type StoreKey = string & { readonly __brand: 'StoreKey' };

/** Bumped when the key derivation or the object layout changes; a new store root starts empty. */
export const STORE_VERSION = 'v1';

/** The inode metadata an object carries (everything a hard link shares except content). */
export interface ObjectMeta {
  /** Permission bits including suid/sgid/sticky (0o7777); file-type bits are ignored. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (integer). */
  mtime: number;
  /** Extended attributes, name → base64 value (e.g. security.capability). */
  xattrs?: Record<string, string>;
}

const KEY_RE = /^sha256:[0-9a-f]{64}$/;

export function isStoreKey(s: unknown): s is StoreKey {
  return typeof s === 'string' && KEY_RE.test(s);
}

export function asStoreKey(s: string): StoreKey {
  if (!isStoreKey(s)) throw new StoreError('E_STORE_KEY', `not a store key: ${JSON.stringify(s)}`);
  return s;
}

/** The canonical, sorted description of an object that its key is the hash of. */
export function canonicalObject(meta: ObjectMeta, contentSha256: string): string {
  const xattrs = meta.xattrs ?? {};
  const names = Object.keys(xattrs).sort();
  // Fixed field order and sorted xattr names: the same object always serialises the same way.
  return JSON.stringify({
    v: 1,
    type: 'file',
    mode: meta.mode & 0o7777,
    uid: meta.uid,
    gid: meta.gid,
    mtime: Math.trunc(meta.mtime),
    xattrs: names.map((n) => [n, xattrs[n]]),
    sha256: contentSha256,
  });
}

export function keyOf(meta: ObjectMeta, contentSha256: string): StoreKey {
  return `sha256:${hash('sha256', canonicalObject(meta, contentSha256), 'hex')}` as StoreKey;
}

/**
 * Object path relative to the objects directory: 2-character fan-out then the rest.
 * A template string, not path.join: this runs once per file of every checkout.
 */
export function objectRelPath(key: StoreKey): string {
  return `${key.slice(7, 9)}/${key.slice(9)}`;
}

/** Inverse of objectRelPath for directory walks (gc, fsck); undefined for foreign names. */
export function keyFromRelPath(fanout: string, name: string): StoreKey | undefined {
  const k = `sha256:${fanout}${name}`;
  return fanout.length === 2 && isStoreKey(k) ? k : undefined;
}

export function sameMeta(a: ObjectMeta, b: ObjectMeta): boolean {
  return canonicalObject(a, '') === canonicalObject(b, '');
}

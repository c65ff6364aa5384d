// Path safety for checkouts, as pure functions (the filesystem is reached only through an
// injected probe, so every rule is table-tested without a disk).
//
// Entry paths are relative, '/'-separated, with no '.', '..' or empty components — they
// are refused otherwise, never "cleaned". Symlinks already in the tree are followed the
// way the kernel does under chroot (RESOLVE_IN_ROOT): an absolute target restarts at the
// tree root and '..' stops at the root. That is what rpm sees inside the target, so a
// package planting /lib64 → usr/lib64 sends later /lib64/* files into /usr/lib64, and a
// planted link to '/', '../../..' or '/etc' still lands inside the tree.
import { UnsafePathError } from './errors.js';

export const MAX_DEPTH = 1024;
export const MAX_SYMLINK_HOPS = 40;

/** Components of an entry path, or UnsafePathError naming why not. */
export function splitEntryPath(path: string): string[] {
  if (typeof path !== 'string' || path === '') throw new UnsafePathError(String(path), 'empty path');
  if (path.includes('\0')) throw new UnsafePathError(path, 'contains a NUL byte');
  if (path.startsWith('/')) throw new UnsafePathError(path, 'absolute path (entry paths are relative to the tree root)');
  const comps = path.split('/');
  if (comps.length > MAX_DEPTH) throw new UnsafePathError(path, `deeper than ${MAX_DEPTH} components`);
  for (const c of comps) {
    if (c === '..') throw new UnsafePathError(path, "contains '..'");
    if (c === '.' || c === '') throw new UnsafePathError(path, "contains an empty or '.' component");
    if (Buffer.byteLength(c) > 255) throw new UnsafePathError(path, 'a component is longer than 255 bytes');
  }
  return comps;
}

/** The lexical components of a symlink target and whether it restarts at the root. */
export function linkTargetComponents(target: string): { absolute: boolean; comps: string[] } {
  return { absolute: target.startsWith('/'), comps: target.split('/').filter((c) => c !== '' && c !== '.') };
}

/**
 * Lexically resolve `target` (a symlink found in directory `base`) inside the root:
 * the real components it names, clamped at the root. Pure; does not follow further links.
 */
export function resolveLinkLexically(base: readonly string[], target: string): string[] {
  const { absolute, comps } = linkTargetComponents(target);
  const out = absolute ? [] : [...base];
  for (const c of comps) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

export type ProbeResult = { kind: 'missing' } | { kind: 'dir' } | { kind: 'symlink'; target: string } | { kind: 'file' } | { kind: 'other' };
/** lstat-like look at a root-relative path (''= the root itself). */
export type Probe = (rel: string) => ProbeResult;

export interface Walked {
  /** Real, symlink-free components of the directory holding the leaf. */
  dir: string[];
  /** Final component name ('' when the path resolved to the root itself). */
  name: string;
  /** What is at dir/name (after following it, when followLast). */
  leaf: ProbeResult;
  /** True when a symlink at the last component was followed. */
  followedLast: boolean;
}

export interface WalkOptions {
  /** Follow a symlink in the final component (for directories, hard-link targets, copy-up). */
  followLast?: boolean;
  /** Called to create a missing intermediate directory; without it a missing one is an error. */
  mkdir?: (rel: string) => void;
}

/**
 * Walk an entry path inside the root, lstat-ing each component through `probe` and
 * following symlinks chroot-style. Never produces a path outside the root. Synchronous:
 * the probe is an lstat, and a checkout walks tens of thousands of paths.
 */
export function walkInRoot(path: string, probe: Probe, opts: WalkOptions = {}): Walked {
  const todo = splitEntryPath(path);
  let cur: string[] = [];
  let hops = 0;
  let followedLast = false;
  for (;;) {
    const c = todo.shift() as string;
    if (c === '..') {
      cur.pop();
      if (!todo.length) return { dir: cur.slice(0, -1), name: cur.at(-1) ?? '', leaf: { kind: 'dir' }, followedLast };
      continue;
    }
    const cand = [...cur, c];
    const last = todo.length === 0;
    const r = probe(cand.join('/'));
    if (r.kind === 'symlink' && (!last || opts.followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new UnsafePathError(path, `too many levels of symbolic links at ${cand.join('/')}`);
      const { absolute, comps } = linkTargetComponents(r.target);
      if (absolute) cur = [];
      if (last) followedLast = true;
      todo.unshift(...comps);
      if (!todo.length) return { dir: cur.slice(0, -1), name: cur.at(-1) ?? '', leaf: { kind: 'dir' }, followedLast };
      continue;
    }
    if (last) return { dir: cur, name: c, leaf: r, followedLast };
    if (r.kind === 'dir') cur = cand;
    else if (r.kind === 'missing' && opts.mkdir) {
      opts.mkdir(cand.join('/'));
      cur = cand;
    } else {
      throw new UnsafePathError(path, r.kind === 'missing' ? `${cand.join('/')} does not exist` : `${cand.join('/')} is not a directory`);
    }
  }
}

// Version comparison exactly as rpm's rpmvercmp() (lib/rpmvercmp.c) and EVR comparison as
// rpmVersionCompare/rpmdsCompare: epoch first (missing = 0), then version, then release —
// where a missing release on either side (a dependency like "foo >= 1.0") matches any.
import type { Evr } from '../model/package.js';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const TILDE = 126;
const CARET = 94;

/** rpmvercmp: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    // Skip separators: anything that is not alphanumeric, tilde or caret.
    while (i < la && !isAlnum(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE && a.charCodeAt(i) !== CARET) i++;
    while (j < lb && !isAlnum(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE && b.charCodeAt(j) !== CARET) j++;

    // Tilde sorts before everything, even the end of the string.
    const ta = i < la && a.charCodeAt(i) === TILDE;
    const tb = j < lb && b.charCodeAt(j) === TILDE;
    if (ta || tb) {
      if (!ta) return 1;
      if (!tb) return -1;
      i++;
      j++;
      continue;
    }

    // Caret sorts after the end of the string but before anything else.
    const ca = i < la && a.charCodeAt(i) === CARET;
    const cb = j < lb && b.charCodeAt(j) === CARET;
    if (ca || cb) {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (!ca) return 1;
      if (!cb) return -1;
      i++;
      j++;
      continue;
    }

    if (!(i < la && j < lb)) break;

    const si = i;
    const sj = j;
    const numeric = isDigit(a.charCodeAt(i));
    if (numeric) {
      while (i < la && isDigit(a.charCodeAt(i))) i++;
      while (j < lb && isDigit(b.charCodeAt(j))) j++;
    } else {
      while (i < la && isAlpha(a.charCodeAt(i))) i++;
      while (j < lb && isAlpha(b.charCodeAt(j))) j++;
    }
    // This cannot happen for `a` (we started on alnum), but `b` may hold the other kind.
    if (sj === j) return numeric ? 1 : -1;

    if (numeric) {
      let x = si;
      let y = sj;
      while (x < i && a.charCodeAt(x) === 48) x++;
      while (y < j && b.charCodeAt(y) === 48) y++;
      if (i - x > j - y) return 1;
      if (j - y > i - x) return -1;
      const sa = a.slice(x, i);
      const sb = b.slice(y, j);
      if (sa !== sb) return sa < sb ? -1 : 1;
    } else {
      const sa = a.slice(si, i);
      const sb = b.slice(sj, j);
      if (sa !== sb) return sa < sb ? -1 : 1;
    }
  }
  if (i >= la && j >= lb) return 0;
  // Whichever still has characters left is newer.
  return i >= la ? -1 : 1;
}

/** Compare two EVRs as rpm does for installed packages (both releases present). */
export function compareEvr(a: Evr, b: Evr): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  // rpmdsCompare: if either side has no release, releases are not compared.
  if (a.release === undefined || b.release === undefined) return 0;
  return rpmvercmp(a.release, b.release);
}

/** Parse "[E:]V[-R]" as rpm writes EVR strings in headers and on the command line. */
export function parseEvr(s: string): Evr {
  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0 && /^\d*$/.test(s.slice(0, colon))) {
    epoch = colon === 0 ? 0 : Number(s.slice(0, colon));
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, version: rest };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

export function formatEvr(e: Evr): string {
  return `${e.epoch ? e.epoch + ':' : ''}${e.version}${e.release !== undefined ? '-' + e.release : ''}`;
}

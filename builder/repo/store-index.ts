// A repo's name, provide, obsolete and primary-file lookups (PackageIndex), kept in the
// parse cache beside the packages: they depend on the repo only, so a resolve on cached
// metadata reads them instead of rebuilding them over every package for each request.
//
// Form: one table of distinct key texts (every name, provided name, obsoleted name and
// primary file path), an open-addressing hash table over it (FNV-1a of the UTF-16 code
// units; slot = key + 1), and per lookup kind the package positions grouped by key
// (positions of key k: data[start[k], start[k + 1]), ascending). Loading it is unpacking
// typed-array views; a lookup hashes the asked text once.
import { IntBuf, pack, Strings, type Unpacked } from './packages-codec.js';

/** Where a package's lists start in its ints (packages-codec.ts layout). */
export const PKG_INTS = 11 + 2 * 8;
export const DEP_INTS = 6;
export const FILES = 9;
export const PROVIDES = 11;
const OBSOLETES = 11 + 2 * 3;

export const enum Kind {
  Name = 0,
  Provide = 1,
  Obsolete = 2,
  File = 3,
}
const KINDS = 4;
const NONE = new Int32Array(0);

export function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

export class KeyIndex {
  constructor(
    private readonly keys: Strings,
    private readonly slots: Int32Array,
    private readonly starts: Int32Array[],
    private readonly data: Int32Array[],
  ) {}

  /** Positions of the packages with `text` as a key of `kind` (empty when none). */
  get(kind: Kind, text: string): Int32Array {
    const { slots, keys } = this;
    const mask = slots.length - 1;
    for (let i = hashString(text) & mask; ; i = (i + 1) & mask) {
      const slot = slots[i];
      if (slot === 0) return NONE;
      if (keys.at(slot - 1) === text) {
        const start = this.starts[kind];
        return this.data[kind].subarray(start[slot - 1], start[slot]);
      }
    }
  }

  encode(): Buffer {
    const n = this.keys.length;
    const head = [n, this.slots.length, ...this.data.map((d) => d.length)];
    const ints = new Int32Array(head.length + this.slots.length + KINDS * (n + 1) + this.data.reduce((a, d) => a + d.length, 0));
    ints.set(head, 0);
    let o = head.length;
    ints.set(this.slots, o);
    o += this.slots.length;
    for (const s of this.starts) {
      ints.set(s, o);
      o += n + 1;
    }
    for (const d of this.data) {
      ints.set(d, o);
      o += d.length;
    }
    return pack('package-index', null, this.keys.all(), ints, []);
  }

  /** Throws on a form that does not hold a consistent index. */
  static decode(u: Unpacked): KeyIndex {
    const I = u.ints;
    const n = I[0];
    const nSlots = I[1];
    const lens = [I[2], I[3], I[4], I[5]];
    const head = 2 + KINDS;
    if (u.kind !== 'package-index' || u.strings.length !== (n ? n : 1) || nSlots & (nSlots - 1) || I.length !== head + nSlots + KINDS * (n + 1) + lens.reduce((a, b) => a + b, 0)) {
      throw new Error('holds no valid package index');
    }
    let o = head;
    const slots = I.subarray(o, (o += nSlots));
    const starts: Int32Array[] = [];
    for (let k = 0; k < KINDS; k++) starts.push(I.subarray(o, (o += n + 1)));
    const data: Int32Array[] = [];
    for (let k = 0; k < KINDS; k++) data.push(I.subarray(o, (o += lens[k])));
    return new KeyIndex(u.strings, slots, starts, data);
  }
}

/** The packages-codec layout of one form, as the index builder reads it. */
export interface FormInts {
  S: Strings;
  I: Int32Array;
  nPkg: number;
  pkgBase: number;
  refBase: number;
}

/**
 * Build the index over forms (parts of one repo, positions numbered across them). Equal
 * texts under different string ids (the interner may give a string two; parts have their
 * own tables) become one key.
 */
export function buildKeyIndex(forms: FormInts[]): KeyIndex {
  const keyOf = new Map<string, number>();
  const keys: string[] = [];
  // (key, position) pairs per kind, positions ascending
  const pairs = Array.from({ length: KINDS }, () => ({ k: new IntBuf(1 << 14), p: new IntBuf(1 << 14) }));
  let base = 0;
  for (const f of forms) {
    const { S, I, nPkg, pkgBase, refBase } = f;
    const ids = new Int32Array(S.length).fill(-1); // string id -> key
    const key = (strId: number): number => {
      let k = ids[strId];
      if (k >= 0) return k;
      const s = S.at(strId);
      k = keyOf.get(s) ?? -1;
      if (k < 0) {
        k = keys.length;
        keys.push(s);
        keyOf.set(s, k);
      }
      return (ids[strId] = k);
    };
    const add = (kind: Kind, strId: number, pos: number) => {
      pairs[kind].k.push(key(strId));
      pairs[kind].p.push(pos);
    };
    for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS) {
      const pos = base + i;
      add(Kind.Name, I[o], pos);
      add(Kind.Provide, I[o], pos);
      let start = refBase + I[o + PROVIDES];
      for (let k = 0, n = I[o + PROVIDES + 1]; k < n; k++) add(Kind.Provide, I[3 + I[start + k] * DEP_INTS], pos);
      start = refBase + I[o + OBSOLETES];
      for (let k = 0, n = I[o + OBSOLETES + 1]; k < n; k++) add(Kind.Obsolete, I[3 + I[start + k] * DEP_INTS], pos);
      start = refBase + I[o + FILES];
      for (let k = 0, n = I[o + FILES + 1]; k < n; k++) add(Kind.File, I[start + k], pos);
    }
    base += nPkg;
  }
  const n = keys.length;
  let size = 1024;
  while (size < n * 2) size *= 2;
  const slots = new Int32Array(size);
  for (let k = 0; k < n; k++) {
    let i = hashString(keys[k]) & (size - 1);
    while (slots[i] !== 0) i = (i + 1) & (size - 1);
    slots[i] = k + 1;
  }
  const starts: Int32Array[] = [];
  const data: Int32Array[] = [];
  const last = new Int32Array(n);
  for (const { k: kb, p: pb } of pairs) {
    // counting sort by key; a (key, position) pair seen twice (a package providing its own
    // name, or one name twice) counts once
    const K = kb.a;
    const P = pb.a;
    const start = new Int32Array(n + 1);
    last.fill(-1);
    for (let i = 0; i < kb.n; i++) {
      if (last[K[i]] === P[i]) K[i] = -1;
      else {
        last[K[i]] = P[i];
        start[K[i] + 1]++;
      }
    }
    for (let k = 0; k < n; k++) start[k + 1] += start[k];
    const out = new Int32Array(start[n]);
    const at = start.slice(0, n);
    for (let i = 0; i < kb.n; i++) if (K[i] >= 0) out[at[K[i]]++] = P[i];
    starts.push(start);
    data.push(out);
  }
  return new KeyIndex(Strings.of(keys), slots, starts, data);
}

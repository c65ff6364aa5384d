// A compact binary form of parsed metadata, for the on-disk cache. v8.serialize and JSON
// both spend most of a warm load creating ~1M small objects and re-reading repeated strings
// (measured: about as slow as parsing the XML). This codec stores each distinct string and
// each distinct dependency once, and every reference as an int32, so decoding is one
// split() of the string table; packages are made from it lazily (package-store.ts).
//
// Layout: "VZRC" magic, u32 format version, u32 header length, header JSON, then 8-byte
// aligned sections named in the header: strings (UTF-8, "\0"-separated), ints (Int32),
// floats (Float64), and parts: whole nested buffers of this format (a primary.xml parsed
// in pieces on several threads is stored as the pieces' buffers, in order, not re-encoded).
import type { Dep, RepoPackage } from '../model/package.js';

export const CODEC_VERSION = 4; // 4: primary files hold their lookup index (store-index.ts)
const MAGIC = 0x4352_5a56; // "VZRC" little-endian
const SENSE_CODE: Record<string, number> = { EQ: 1, LT: 2, LE: 3, GT: 4, GE: 5 };

/** A dependency's flags= as the codec stores them (1-5); -1: not a sense rpm knows. */
export function senseCode(flags: string): number {
  switch (flags) {
    case 'EQ':
      return 1;
    case 'LT':
      return 2;
    case 'LE':
      return 3;
    case 'GT':
      return 4;
    case 'GE':
      return 5;
    default:
      return -1;
  }
}

interface Header {
  kind: string;
  meta: unknown;
  strings: [number, number];
  ints: [number, number];
  floats: [number, number];
  parts?: [number, number][];
}

class Table {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

export function pack(kind: string, meta: unknown, strings: string[], ints: number[] | Int32Array, floats: number[] | Float64Array, parts: Buffer[] = []): Buffer {
  const str = Buffer.from(strings.join('\0'), 'utf8');
  const align = (n: number) => (n + 7) & ~7;
  const layout = (headerLen: number) => {
    const s0 = align(12 + headerLen);
    const i0 = align(s0 + str.length);
    const f0 = align(i0 + ints.length * 4);
    const p: [number, number][] = [];
    let end = f0 + floats.length * 8;
    for (const b of parts) {
      p.push([align(end), b.length]);
      end = align(end) + b.length;
    }
    return { s0, i0, f0, p, end };
  };
  // The header holds the offsets, whose digits change its length: iterate to a fixed point.
  let headerLen = 0;
  let header = '';
  for (let k = 0; k < 4; k++) {
    const l = layout(headerLen);
    const h: Header = { kind, meta, strings: [l.s0, str.length], ints: [l.i0, ints.length], floats: [l.f0, floats.length], ...(parts.length ? { parts: l.p } : {}) };
    header = JSON.stringify(h);
    if (Buffer.byteLength(header) === headerLen) break;
    headerLen = Buffer.byteLength(header);
  }
  const l = layout(headerLen);
  const out = Buffer.alloc(l.end);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(CODEC_VERSION, 4);
  out.writeUInt32LE(headerLen, 8);
  out.write(header, 12, 'utf8');
  str.copy(out, l.s0);
  new Int32Array(out.buffer, out.byteOffset + l.i0, ints.length).set(ints);
  new Float64Array(out.buffer, out.byteOffset + l.f0, floats.length).set(floats);
  parts.forEach((b, i) => b.copy(out, l.p[i][0]));
  return out;
}

/**
 * A form's string table. From a file, each string is decoded on first use: a resolve
 * reads a fraction of a repo's ~130k strings, and splitting them all was most of the cost
 * (and much of the heap) of loading a cache file.
 */
export class Strings {
  private constructor(
    private readonly list: (string | undefined)[],
    private readonly bytes?: Buffer,
    /** Start of each string in `bytes`; the last entry is the end of the section + 1. */
    private readonly starts?: Int32Array,
  ) {}

  static of(list: string[]): Strings {
    return new Strings(list);
  }

  /** The "\0"-separated UTF-8 strings in bytes[from, from + len). */
  static fromBytes(bytes: Buffer, from: number, len: number): Strings {
    // indexOf is a native memchr: a byte loop here runs unoptimized for much of its length
    const end = from + len;
    const starts = new IntBuf(1 << 12);
    starts.push(from);
    for (let i = bytes.indexOf(0, from); i >= 0 && i < end; i = bytes.indexOf(0, i + 1)) starts.push(i + 1);
    starts.push(end + 1);
    return new Strings(new Array(starts.n - 1), bytes, starts.view());
  }

  get length(): number {
    return this.list.length;
  }

  at(i: number): string {
    const s = this.list[i];
    if (s !== undefined) return s;
    return (this.list[i] = this.bytes!.utf8Slice(this.starts![i], this.starts![i + 1] - 1));
  }

  all(): string[] {
    const out: string[] = new Array(this.list.length);
    for (let i = 0; i < out.length; i++) out[i] = this.at(i);
    return out;
  }
}

export interface Unpacked {
  kind: string;
  meta: unknown;
  strings: Strings;
  ints: Int32Array;
  floats: Float64Array;
  /** Nested buffers, unpacked (see packPackageParts). */
  parts: Unpacked[];
}

/** Throws on anything but a well-formed buffer of this codec version. */
export function unpack(buf: Buffer): Unpacked {
  if (buf.length < 12 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a vzbuild metadata cache file');
  if (buf.readUInt32LE(4) !== CODEC_VERSION) throw new Error(`cache format ${buf.readUInt32LE(4)}, expected ${CODEC_VERSION}`);
  const h = JSON.parse(buf.toString('utf8', 12, 12 + buf.readUInt32LE(8))) as Header;
  const [s0, sLen] = h.strings;
  const [i0, iLen] = h.ints;
  const [f0, fLen] = h.floats;
  const parts = h.parts ?? [];
  if (f0 + fLen * 8 > buf.length || i0 % 4 || f0 % 8 || parts.some(([at, len]) => at % 8 || at + len > buf.length)) throw new Error('cache file is truncated');
  // Copy to an aligned buffer if the Buffer is a slice of a pool at an odd offset.
  const base = buf.byteOffset % 8 ? Buffer.from(buf) : buf;
  return {
    kind: h.kind,
    meta: h.meta,
    strings: Strings.fromBytes(base, s0, sLen),
    ints: new Int32Array(base.buffer, base.byteOffset + i0, iLen),
    floats: new Float64Array(base.buffer, base.byteOffset + f0, fLen),
    parts: parts.map(([at, len]) => unpack(base.subarray(at, at + len))),
  };
}

/** A growable Int32Array (pushing onto JS arrays of ~1M numbers was most of encode's time). */
export class IntBuf {
  a: Int32Array;
  n = 0;
  constructor(size = 1 << 16) {
    this.a = new Int32Array(size);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Int32Array {
    return this.a.subarray(0, this.n);
  }
}

const depLists = (p: RepoPackage): Dep[][] => [p.provides, p.requires, p.conflicts, p.obsoletes, p.recommends, p.suggests, p.supplements, p.enhances];

export function encodePackages(packages: RepoPackage[], meta: unknown): Buffer {
  const t = new Table();
  const depIds = new Map<Dep, number>();
  const depInts = new IntBuf();
  const refs = new IntBuf();
  const pkgInts = new IntBuf();
  const floats = new Float64Array(packages.length * 3);
  for (let i = 0; i < packages.length; i++) {
    const p = packages[i];
    pkgInts.push(t.id(p.name));
    pkgInts.push(t.id(p.arch));
    pkgInts.push(t.id(p.version));
    pkgInts.push(t.id(p.release));
    pkgInts.push(p.epoch);
    pkgInts.push(t.id(p.checksum));
    pkgInts.push(t.id(p.location));
    pkgInts.push(t.id(p.locationBase));
    pkgInts.push(t.id(p.sourcerpm));
    pkgInts.push(refs.n);
    pkgInts.push(p.files.length);
    for (const f of p.files) refs.push(t.id(f));
    for (const list of depLists(p)) {
      pkgInts.push(refs.n);
      pkgInts.push(list.length);
      for (const d of list) {
        let id = depIds.get(d);
        if (id === undefined) {
          id = depIds.size;
          depIds.set(d, id);
          depInts.push(t.id(d.name));
          depInts.push(d.sense ? SENSE_CODE[d.sense] : 0);
          depInts.push(d.evr ? d.evr.epoch : 0);
          depInts.push(d.evr ? t.id(d.evr.version) : -1);
          depInts.push(d.evr ? t.id(d.evr.release) : -1);
          depInts.push(d.pre ? 1 : 0);
        }
        refs.push(id);
      }
    }
    floats[i * 3] = p.sizePackage;
    floats[i * 3 + 1] = p.sizeInstalled;
    floats[i * 3 + 2] = p.buildtime ?? NaN;
  }
  const ints = new Int32Array(3 + depInts.n + pkgInts.n + refs.n);
  ints[0] = packages.length;
  ints[1] = depIds.size;
  ints[2] = refs.n;
  ints.set(depInts.view(), 3);
  ints.set(pkgInts.view(), 3 + depInts.n);
  ints.set(refs.view(), 3 + depInts.n + pkgInts.n);
  return pack('packages', meta, t.list, ints, floats);
}

/** The parser's form of primary.xml (see primary.ts) as a cache file. */
export function packPackages(u: Unpacked, meta: unknown): Buffer {
  return pack('packages', meta, u.strings.all(), u.ints, u.floats);
}

/** Packages encoded in pieces (each an encodePackages buffer, in primary order) as one buffer. */
export function packPackageParts(parts: Buffer[], meta: unknown): Buffer {
  return pack('package-parts', meta, [], [], [], parts);
}

/** Full file lists by package index ("\n"-joined; null: filelists had no entry for it). */
export function encodeFileLists(lists: (string | null)[], meta: unknown): Buffer {
  const strings: string[] = [];
  const ints: number[] = [lists.length];
  for (const l of lists) {
    ints.push(l === null ? -1 : strings.length);
    if (l !== null) strings.push(l);
  }
  return pack('filelists', meta, strings, ints, []);
}

export function decodeFileLists(u: Unpacked): (string | null)[] {
  const { strings: S, ints: I } = u;
  const out: (string | null)[] = new Array(I[0]);
  for (let i = 0; i < out.length; i++) out[i] = I[i + 1] < 0 ? null : S.at(I[i + 1]);
  return out;
}

/** Owners of paths as positions in the repo's package list (aligned with primary's order). */
export function encodeFileOwners(owners: ReadonlyMap<string, readonly RepoPackage[]>, packages: readonly RepoPackage[], meta: unknown): Buffer {
  const position = new Map<RepoPackage, number>(packages.map((p, i) => [p, i]));
  const paths = [...owners.keys()].sort();
  const ints: number[] = [paths.length];
  for (const path of paths) {
    const list = owners.get(path)!;
    ints.push(list.length);
    for (const p of list) ints.push(position.get(p)!);
  }
  return pack('fileowners', meta, paths, ints, []);
}

export function decodeFileOwners(u: Unpacked, packages: readonly RepoPackage[]): Map<string, RepoPackage[]> {
  if (u.kind !== 'fileowners') throw new Error(`holds ${u.kind}, not file owners`);
  const { strings: S, ints: I } = u;
  const out = new Map<string, RepoPackage[]>();
  for (let i = 0, o = 1; i < I[0]; i++) {
    const list: RepoPackage[] = new Array(I[o]);
    for (let k = 0; k < list.length; k++) list[k] = packages[I[o + 1 + k]];
    if (list.some((p) => p === undefined)) throw new Error('file owners beyond the package list');
    out.set(S.at(i), list);
    o += 1 + list.length;
  }
  return out;
}

/** Small documents (comps, modules) go through the same container as JSON. */
export function encodeJson(kind: string, value: unknown, meta: unknown): Buffer {
  return pack(kind, meta, [JSON.stringify(value)], [], []);
}

export function decodeJson<T>(u: Unpacked): T {
  return JSON.parse(u.strings.all().join('\0')) as T;
}

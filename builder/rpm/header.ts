// Parsing one RPM header structure (signature or main header) from its bytes: the 16-byte
// preamble (magic 8eade801, reserved, index count, data length), the index entries and the
// data store. Every offset, count and length is checked against the data store before use,
// with the limits rpm itself applies (hdrchkTags/hdrchkData), so hostile input fails with a
// clear error instead of reading out of bounds. Reading the file is read-headers.ts' job;
// encoding is header-encode.ts'.
import { formatError } from './errors.js';
import { HEADER_IMAGE, HEADER_IMMUTABLE, HEADER_SIGNATURES, TagType } from './tags.js';

export const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
/** rpm's hdrchkTags: at most 0xffff index entries. */
export const HEADER_TAGS_MAX = 0xffff;
/** rpm's hdrchkData: at most 256 MiB of data store. */
export const HEADER_DATA_MAX = 256 * 1024 * 1024;
export const PREAMBLE_SIZE = 16;
const ENTRY_SIZE = 16;

export interface IndexEntry {
  tag: number;
  type: TagType;
  /** Offset into the data store. */
  offset: number;
  count: number;
  /** Bytes the value occupies in the data store (computed and bounds-checked). */
  length: number;
}

export type HeaderValue =
  | { type: typeof TagType.CHAR | typeof TagType.INT8 | typeof TagType.INT16 | typeof TagType.INT32; value: number[] }
  | { type: typeof TagType.INT64; value: bigint[] }
  | { type: typeof TagType.STRING; value: string }
  | { type: typeof TagType.STRING_ARRAY | typeof TagType.I18NSTRING; value: string[] }
  | { type: typeof TagType.BIN; value: Buffer };

/** Index count and data length from a 16-byte preamble, validated against rpm's limits. */
export function parsePreamble(pre: Buffer, subject: string, what: string): { indexCount: number; dataLength: number; totalLength: number } {
  if (pre.length < PREAMBLE_SIZE) throw formatError(subject, `${what}: truncated (${pre.length} of 16 preamble bytes)`);
  if (!pre.subarray(0, 3).equals(HEADER_MAGIC.subarray(0, 3)) || pre[3] !== 1) {
    throw formatError(subject, `${what}: bad magic ${pre.subarray(0, 4).toString('hex')} (expected 8eade801)`);
  }
  const indexCount = pre.readUInt32BE(8);
  const dataLength = pre.readUInt32BE(12);
  if (indexCount < 1 || indexCount > HEADER_TAGS_MAX) throw formatError(subject, `${what}: index count ${indexCount} out of range 1..${HEADER_TAGS_MAX}`);
  if (dataLength > HEADER_DATA_MAX) throw formatError(subject, `${what}: data length ${dataLength} exceeds ${HEADER_DATA_MAX}`);
  return { indexCount, dataLength, totalLength: PREAMBLE_SIZE + indexCount * ENTRY_SIZE + dataLength };
}

const ALIGN: Record<number, number> = { [TagType.INT16]: 2, [TagType.INT32]: 4, [TagType.INT64]: 8 };
const WIDTH: Record<number, number> = { [TagType.CHAR]: 1, [TagType.INT8]: 1, [TagType.INT16]: 2, [TagType.INT32]: 4, [TagType.INT64]: 8, [TagType.BIN]: 1 };

/**
 * A parsed header. `blob` is the header exactly as stored in the package, preamble included
 * (what the SHA1/SHA256 header digests and header signatures cover); `blob.subarray(8)` is the
 * form rpmdb stores.
 */
export class Header {
  readonly blob: Buffer;
  readonly subject: string;
  readonly index: readonly IndexEntry[];
  /** Region tag (62 signatures, 63 immutable) when the header carries one. */
  readonly regionTag?: number;
  /** Index entries (region tag included) and data bytes inside the region. */
  readonly regionEntries: number;
  readonly regionDataLength: number;
  private readonly byTag = new Map<number, IndexEntry>();
  private readonly dataStart: number;

  constructor(blob: Buffer, subject: string, what = 'header') {
    const { indexCount, dataLength, totalLength } = parsePreamble(blob, subject, what);
    if (blob.length < totalLength) throw formatError(subject, `${what}: truncated (${blob.length} of ${totalLength} bytes)`);
    this.blob = blob.length === totalLength ? blob : blob.subarray(0, totalLength);
    this.subject = subject;
    this.dataStart = PREAMBLE_SIZE + indexCount * ENTRY_SIZE;
    const index: IndexEntry[] = [];
    for (let i = 0; i < indexCount; i++) {
      const p = PREAMBLE_SIZE + i * ENTRY_SIZE;
      const e = { tag: blob.readUInt32BE(p), type: blob.readUInt32BE(p + 4) as TagType, offset: blob.readInt32BE(p + 8), count: blob.readUInt32BE(p + 12), length: 0 };
      e.length = this.checkEntry(e, dataLength, i, what);
      index.push(e);
      if (i > 0 || !isRegionTag(e.tag)) this.byTag.set(e.tag, e);
    }
    this.index = index;
    const region = isRegionTag(index[0].tag) ? this.checkRegion(index[0], indexCount, dataLength, what) : undefined;
    this.regionTag = region ? index[0].tag : undefined;
    this.regionEntries = region?.entries ?? 0;
    this.regionDataLength = region?.dataLength ?? 0;
  }

  private checkEntry(e: IndexEntry, dl: number, i: number, what: string): number {
    const where = `${what}: index entry ${i} (tag ${e.tag})`;
    if (e.type < TagType.CHAR || e.type > TagType.I18NSTRING) throw formatError(this.subject, `${where}: unknown type ${e.type}`);
    if (e.offset < 0 || e.offset >= dl) throw formatError(this.subject, `${where}: offset ${e.offset} outside data store of ${dl} bytes`);
    if (e.count < 1 || e.count > HEADER_DATA_MAX) throw formatError(this.subject, `${where}: count ${e.count} out of range`);
    const align = ALIGN[e.type];
    if (align && e.offset % align !== 0) throw formatError(this.subject, `${where}: offset ${e.offset} not aligned to ${align}`);
    const width = WIDTH[e.type];
    if (width) {
      const len = width * e.count;
      if (e.offset + len > dl) throw formatError(this.subject, `${where}: ${len} bytes at offset ${e.offset} run past the data store (${dl} bytes)`);
      return len;
    }
    if (e.type === TagType.STRING && e.count !== 1) throw formatError(this.subject, `${where}: STRING with count ${e.count}`);
    // Strings: count NUL-terminated strings, all inside the data store.
    const end = this.dataStart + dl;
    let p = this.dataStart + e.offset;
    for (let n = 0; n < e.count; n++) {
      const z = this.blob.indexOf(0, p);
      if (z < 0 || z >= end) throw formatError(this.subject, `${where}: string ${n + 1} of ${e.count} is not terminated inside the data store`);
      p = z + 1;
    }
    return p - (this.dataStart + e.offset);
  }

  // The region trailer is an index entry stored in the data: same tag, BIN, count 16, and a
  // negative offset of -(entries in region)*16 (rpm's headerVerifyRegion).
  private checkRegion(r: IndexEntry, il: number, dl: number, what: string): { entries: number; dataLength: number } {
    const where = `${what}: region tag ${r.tag}`;
    if (r.type !== TagType.BIN || r.count !== 16 || r.offset + 16 > dl) throw formatError(this.subject, `${where}: malformed region entry`);
    const t = this.dataStart + r.offset;
    let tag = this.blob.readUInt32BE(t);
    // rpm < 4.0.3 wrote the signature header's trailer with HEADER_IMAGE; rpm accepts it.
    if (r.tag === HEADER_SIGNATURES && tag === HEADER_IMAGE) tag = HEADER_SIGNATURES;
    const type = this.blob.readUInt32BE(t + 4);
    const off = this.blob.readInt32BE(t + 8);
    const count = this.blob.readUInt32BE(t + 12);
    if (tag !== r.tag || type !== TagType.BIN || count !== 16) throw formatError(this.subject, `${where}: bad region trailer (tag ${tag}, type ${type}, count ${count})`);
    const entries = -off / ENTRY_SIZE;
    if (off >= 0 || -off % ENTRY_SIZE !== 0 || entries > il) throw formatError(this.subject, `${where}: region trailer claims ${-off / ENTRY_SIZE} entries of ${il}`);
    return { entries, dataLength: r.offset + 16 };
  }

  get indexCount(): number {
    return this.index.length;
  }
  get dataLength(): number {
    return this.blob.length - this.dataStart;
  }
  has(tag: number): boolean {
    return this.byTag.has(tag);
  }
  entry(tag: number): IndexEntry | undefined {
    return this.byTag.get(tag);
  }
  tags(): number[] {
    return [...this.byTag.keys()];
  }

  /** Raw bytes of a tag's value. */
  raw(tag: number): Buffer | undefined {
    const e = this.byTag.get(tag);
    return e && this.blob.subarray(this.dataStart + e.offset, this.dataStart + e.offset + e.length);
  }

  /** STRING, or the first (C locale) string of an I18NSTRING. */
  getString(tag: number): string | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.STRING && e.type !== TagType.I18NSTRING && e.type !== TagType.STRING_ARRAY) this.typeError(e, 'a string');
    const p = this.dataStart + e.offset;
    return this.blob.toString('utf8', p, this.blob.indexOf(0, p));
  }

  /** STRING_ARRAY or I18NSTRING (all locales), or a STRING as a one-element array. */
  getStringArray(tag: number): string[] | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.STRING && e.type !== TagType.I18NSTRING && e.type !== TagType.STRING_ARRAY) this.typeError(e, 'a string array');
    const out = new Array<string>(e.count);
    let p = this.dataStart + e.offset;
    for (let i = 0; i < e.count; i++) {
      const z = this.blob.indexOf(0, p);
      out[i] = this.blob.toString('utf8', p, z);
      p = z + 1;
    }
    return out;
  }

  /** Any integer type as numbers (INT64 values beyond 2^53 are an error, not a silent rounding). */
  getNumberArray(tag: number): number[] | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    const p = this.dataStart + e.offset;
    const b = this.blob;
    const out = new Array<number>(e.count);
    switch (e.type) {
      case TagType.CHAR:
      case TagType.INT8:
        for (let i = 0; i < e.count; i++) out[i] = b[p + i];
        return out;
      case TagType.INT16:
        for (let i = 0; i < e.count; i++) out[i] = b.readUInt16BE(p + 2 * i);
        return out;
      case TagType.INT32:
        for (let i = 0; i < e.count; i++) out[i] = b.readUInt32BE(p + 4 * i);
        return out;
      case TagType.INT64:
        for (let i = 0; i < e.count; i++) {
          const v = b.readBigUInt64BE(p + 8 * i);
          if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw formatError(this.subject, `tag ${tag}: value ${v} too large`);
          out[i] = Number(v);
        }
        return out;
      default:
        return this.typeError(e, 'an integer');
    }
  }

  getNumber(tag: number): number | undefined {
    return this.getNumberArray(tag)?.[0];
  }

  /** INT32 values as signed (e.g. dependency flags are unsigned but some tags hold -1). */
  getInt32Array(tag: number): number[] | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.INT32) this.typeError(e, 'INT32');
    const out = new Array<number>(e.count);
    for (let i = 0; i < e.count; i++) out[i] = this.blob.readInt32BE(this.dataStart + e.offset + 4 * i);
    return out;
  }

  getBin(tag: number): Buffer | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.BIN) this.typeError(e, 'BIN');
    return this.raw(tag);
  }

  /** Any tag's value, decoded by its type (for dumps and re-encoding). */
  value(tag: number): HeaderValue | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    switch (e.type) {
      case TagType.STRING:
        return { type: e.type, value: this.getString(tag)! };
      case TagType.STRING_ARRAY:
      case TagType.I18NSTRING:
        return { type: e.type, value: this.getStringArray(tag)! };
      case TagType.BIN:
        return { type: e.type, value: Buffer.from(this.raw(tag)!) };
      case TagType.INT64: {
        const out: bigint[] = [];
        for (let i = 0; i < e.count; i++) out.push(this.blob.readBigUInt64BE(this.dataStart + e.offset + 8 * i));
        return { type: e.type, value: out };
      }
      default:
        return { type: e.type as typeof TagType.INT32, value: this.getNumberArray(tag)! };
    }
  }

  private typeError(e: IndexEntry, expected: string): never {
    throw formatError(this.subject, `tag ${e.tag} has type ${e.type}, expected ${expected}`);
  }
}

export function isRegionTag(tag: number): boolean {
  return tag === HEADER_IMAGE || tag === HEADER_SIGNATURES || tag === HEADER_IMMUTABLE;
}

/** Parse a header from bytes that start with its preamble (trailing bytes are ignored). */
export function parseHeader(bytes: Buffer, subject: string, what = 'header'): Header {
  return new Header(bytes, subject, what);
}

// Encoding headers: a fresh header with an immutable region (what rpmbuild writes, for the
// RPM writer), and an existing header extended with extra tags after its region, the region
// bytes untouched (what rpm does when it installs a header into the rpmdb: INSTALLTIME etc.
// are appended, and the signatures over the immutable region stay valid).
import { type Header, HEADER_MAGIC, HEADER_DATA_MAX, HEADER_TAGS_MAX, PREAMBLE_SIZE, isRegionTag } from './header.js';
import { HEADER_IMMUTABLE, TagType } from './tags.js';

export type HeaderInputValue = number[] | bigint[] | string | string[] | Buffer;

export interface HeaderInput {
  tag: number;
  type: TagType;
  /** Integers as arrays (even for one value), STRING as a string, arrays as string[], BIN as Buffer. */
  value: HeaderInputValue;
}

export interface EncodeOptions {
  /** Region tag: 63 (main header, default), 62 (signature header), or null for none. */
  region?: number | null;
}

const ALIGN: Record<number, number> = { [TagType.INT16]: 2, [TagType.INT32]: 4, [TagType.INT64]: 8 };

/** Encode one value; returns its bytes and count. */
function encodeValue(e: HeaderInput): { bytes: Buffer; count: number } {
  const v = e.value;
  const fail = (why: string): never => {
    throw new TypeError(`encodeHeader: tag ${e.tag} (type ${e.type}): ${why}`);
  };
  switch (e.type) {
    case TagType.CHAR:
    case TagType.INT8:
    case TagType.INT16:
    case TagType.INT32: {
      if (!Array.isArray(v) || v.length === 0) return fail('expected a non-empty number array');
      const w = e.type === TagType.INT16 ? 2 : e.type === TagType.INT32 ? 4 : 1;
      const b = Buffer.alloc(w * v.length);
      (v as number[]).forEach((n, i) => {
        const x = Number(n);
        if (w === 1) b.writeUInt8(x & 0xff, i);
        else if (w === 2) b.writeUInt16BE(x & 0xffff, 2 * i);
        else b.writeUInt32BE(x >>> 0, 4 * i);
      });
      return { bytes: b, count: v.length };
    }
    case TagType.INT64: {
      if (!Array.isArray(v) || v.length === 0) return fail('expected a non-empty number array');
      const b = Buffer.alloc(8 * v.length);
      (v as (number | bigint)[]).forEach((n, i) => b.writeBigUInt64BE(BigInt(n), 8 * i));
      return { bytes: b, count: v.length };
    }
    case TagType.STRING:
      if (typeof v !== 'string') return fail('expected a string');
      if (v.includes('\0')) return fail('string contains NUL');
      return { bytes: Buffer.from(v + '\0', 'utf8'), count: 1 };
    case TagType.STRING_ARRAY:
    case TagType.I18NSTRING: {
      if (!Array.isArray(v) || v.length === 0) return fail('expected a non-empty string array');
      const strs = v as string[];
      if (strs.some((s) => typeof s !== 'string' || s.includes('\0'))) return fail('strings must not contain NUL');
      return { bytes: Buffer.from(strs.join('\0') + '\0', 'utf8'), count: strs.length };
    }
    case TagType.BIN:
      if (!Buffer.isBuffer(v) || v.length === 0) return fail('expected a non-empty Buffer');
      return { bytes: v, count: v.length };
    default:
      return fail('unknown type');
  }
}

interface Laid {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

/** Lay out values after `start` bytes of data, aligned by type; returns index rows and chunks. */
function layout(entries: readonly HeaderInput[], start: number): { rows: Laid[]; chunks: Buffer[]; end: number } {
  const rows: Laid[] = [];
  const chunks: Buffer[] = [];
  let off = start;
  for (const e of entries) {
    const { bytes, count } = encodeValue(e);
    const a = ALIGN[e.type] ?? 1;
    const pad = (a - (off % a)) % a;
    if (pad) chunks.push(Buffer.alloc(pad));
    off += pad;
    rows.push({ tag: e.tag, type: e.type, offset: off, count });
    chunks.push(bytes);
    off += bytes.length;
  }
  return { rows, chunks, end: off };
}

function assemble(rows: Laid[], data: Buffer[], dataLength: number): Buffer {
  if (rows.length > HEADER_TAGS_MAX) throw new RangeError(`encodeHeader: ${rows.length} entries exceed ${HEADER_TAGS_MAX}`);
  if (dataLength > HEADER_DATA_MAX) throw new RangeError(`encodeHeader: ${dataLength} data bytes exceed ${HEADER_DATA_MAX}`);
  const pre = Buffer.alloc(PREAMBLE_SIZE + rows.length * 16);
  HEADER_MAGIC.copy(pre, 0);
  pre.writeUInt32BE(rows.length, 8);
  pre.writeUInt32BE(dataLength, 12);
  rows.forEach((r, i) => {
    const p = PREAMBLE_SIZE + i * 16;
    pre.writeUInt32BE(r.tag, p);
    pre.writeUInt32BE(r.type, p + 4);
    pre.writeInt32BE(r.offset, p + 8);
    pre.writeUInt32BE(r.count, p + 12);
  });
  return Buffer.concat([pre, ...data], PREAMBLE_SIZE + rows.length * 16 + dataLength);
}

function trailer(tag: number, regionEntries: number): Buffer {
  const t = Buffer.alloc(16);
  t.writeUInt32BE(tag, 0);
  t.writeUInt32BE(TagType.BIN, 4);
  t.writeInt32BE(-regionEntries * 16, 8);
  t.writeUInt32BE(16, 12);
  return t;
}

/**
 * A header blob (preamble included) from entries, sorted by tag as rpm keeps them. With a
 * region (default 63), the region entry comes first and its trailer ends the data store,
 * covering every entry: the layout rpmbuild produces.
 */
export function encodeHeader(entries: readonly HeaderInput[], opts: EncodeOptions = {}): Buffer {
  const region = opts.region === undefined ? HEADER_IMMUTABLE : opts.region;
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].tag === sorted[i - 1].tag) throw new TypeError(`encodeHeader: duplicate tag ${sorted[i].tag}`);
  }
  if (sorted.some((e) => isRegionTag(e.tag))) throw new TypeError('encodeHeader: region tags are added by the encoder');
  const { rows, chunks, end } = layout(sorted, 0);
  if (region === null) return assemble(rows, chunks, end);
  const regionRow: Laid = { tag: region, type: TagType.BIN, offset: end, count: 16 };
  return assemble([regionRow, ...rows], [...chunks, trailer(region, rows.length + 1)], end + 16);
}

/**
 * `header` plus `extra` entries appended after its data ("dribble" entries outside the
 * immutable region), region bytes unchanged. Tags already present are an error: rpm would
 * keep the region's copy, so silently shadowing one is never what a caller means.
 */
export function extendHeader(header: Header, extra: readonly HeaderInput[]): Buffer {
  for (const e of extra) {
    if (header.has(e.tag) || isRegionTag(e.tag)) throw new TypeError(`extendHeader: tag ${e.tag} already in ${header.subject}`);
  }
  const rows: Laid[] = header.index.map((e) => ({ tag: e.tag, type: e.type, offset: e.offset, count: e.count }));
  const base = header.blob.subarray(PREAMBLE_SIZE + header.indexCount * 16);
  const sorted = [...extra].sort((a, b) => a.tag - b.tag);
  const { rows: more, chunks, end } = layout(sorted, base.length);
  return assemble([...rows, ...more], [base, ...chunks], end);
}

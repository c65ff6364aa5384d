// ustar headers and PAX extended records, encoded as GNU tar reads them. Pure.
//
// tar-stream 3 (used for reading archives in tests) cannot write what a template cache
// needs: its PAX encoder builds a JS string, so binary values such as security.capability
// are mangled by UTF-8 encoding, and it offers no way to add SCHILY.xattr.* records. So the
// 512-byte blocks are produced here, deterministically: fixed field formats, no
// user/group names, no atime/ctime, PAX records in sorted order.

export type TarType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo';

const TYPEFLAG: Record<TarType | 'pax', string> = { file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', dir: '5', fifo: '6', pax: 'x' };

export interface TarHeader {
  /** Archive path, e.g. "./usr/bin/ls" ("./usr/" style trailing slash is added for dirs). */
  path: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  /** name → raw value; written as SCHILY.xattr.<name> (GNU tar --xattrs, star). */
  xattrs?: Record<string, Buffer>;
}

export const BLOCK = 512;
const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

/** Writes `value` as width-1 octal digits and a NUL (as GNU tar writes numeric fields); returns the bytes' sum. */
function octal(buf: Buffer, off: number, width: number, value: number): number {
  // Digit by digit (division, not shifts: 11 octal digits exceed 32 bits): 30k headers per template.
  buf[off + width - 1] = 0;
  let sum = 0;
  for (let i = off + width - 2; i >= off; i--) {
    const d = 0x30 + (value % 8);
    buf[i] = d;
    sum += d;
    value = Math.floor(value / 8);
  }
  return sum;
}

/**
 * Writes `s` (UTF-8, at most `max` bytes) into a zeroed field; returns the bytes' sum. Plain
 * ASCII (nearly every name) is copied by a loop: Buffer#write's native call cost more than
 * the rest of a header.
 */
function text(buf: Buffer, off: number, s: string, max: number): number {
  let sum = 0;
  if (s.length <= max) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[off + i] = c;
      sum += c;
    }
    if (i === s.length) return sum;
  }
  const n = buf.write(s, off, max, 'utf8');
  sum = 0;
  for (let i = off; i < off + n; i++) sum += buf[i];
  return sum;
}

/** One PAX record: "<len> <key>=<value>\n", len counting itself. */
export function paxRecord(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** Split a path into ustar prefix (≤155 bytes) and name (≤100 bytes) at a '/', if possible. */
export function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return { prefix: '', name: path };
  if (bytes > 256) return undefined;
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
    if (Buffer.byteLength(name) > 100) return undefined;
  }
  return undefined;
}

interface RawFields {
  name: string;
  prefix: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** What every header starts as: zeros, the ustar magic, and the checksum field as spaces. */
const TEMPLATE = Buffer.alloc(BLOCK);
TEMPLATE.write('ustar\x0000', 257, 8, 'latin1');
TEMPLATE.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
let TEMPLATE_SUM = 0;
for (const c of TEMPLATE) TEMPLATE_SUM += c;

/**
 * One ustar block written at b[o..o+512) (in place: no Buffer per header). The checksum
 * is summed from what each field write reports, not by reading the block back.
 */
function writeRaw(b: Buffer, o: number, h: RawFields): void {
  writeUstar(b, o, h.name, h.prefix, h.type, h.mode, h.uid, h.gid, h.size, h.mtime, h.linkname, h.devmajor, h.devminor);
}

/** writeRaw with the fields as arguments (the hot path builds no object per header). */
function writeUstar(b: Buffer, o: number, name: string, prefix: string, type: string, mode: number, uid: number, gid: number, size: number, mtime: number, linkname: string, devmajor: number, devminor: number): void {
  TEMPLATE.copy(b, o);
  let sum = TEMPLATE_SUM;
  sum += text(b, o, name, 100);
  sum += octal(b, o + 100, 8, mode & 0o7777);
  sum += octal(b, o + 108, 8, uid);
  sum += octal(b, o + 116, 8, gid);
  sum += octal(b, o + 124, 12, size);
  sum += octal(b, o + 136, 12, mtime);
  b[o + 156] = type.charCodeAt(0);
  sum += b[o + 156];
  if (linkname) sum += text(b, o + 157, linkname, 100);
  // uname/gname stay empty: owners are numeric only.
  sum += octal(b, o + 329, 8, devmajor);
  sum += octal(b, o + 337, 8, devminor);
  if (prefix) sum += text(b, o + 345, prefix, 155);
  octal(b, o + 148, 7, sum);
  b[o + 155] = 0x20; // GNU tar's checksum field: six digits, NUL, space
}

function rawHeader(h: RawFields): Buffer {
  // From Node's shared pool (Buffer.alloc makes a fresh ArrayBuffer each time: slow).
  const b = Buffer.allocUnsafe(BLOCK);
  writeRaw(b, 0, h);
  return b;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ascii = (s: string) => PRINTABLE_ASCII.test(s);

function padTo(len: number): number {
  return (BLOCK - (len % BLOCK)) % BLOCK;
}

interface Layout {
  path: string;
  split: { prefix: string; name: string };
  linkname: string;
  /** PAX records, empty when the ustar header holds everything. */
  records: Buffer[];
}

/**
 * The archive path when the entry fits one plain ustar block with the path in the name
 * field: printable ASCII of at most 100 bytes, a link target likewise, ids, size and mtime
 * within their octal fields, no xattrs. Nearly every entry of a template; the answer is the
 * one layoutHeader would give, without building a layout. Otherwise undefined.
 */
function plainPath(h: TarHeader): string | undefined {
  if (h.xattrs) for (const _ in h.xattrs) return undefined;
  if (h.uid > MAX_OCTAL_7 || h.gid > MAX_OCTAL_7 || h.size > MAX_OCTAL_11 || h.mtime > MAX_OCTAL_11 || h.mtime < 0) return undefined;
  const link = h.linkpath;
  if (link !== undefined && (link.length > 100 || !ascii(link))) return undefined;
  const path = h.type === 'dir' && !h.path.endsWith('/') ? h.path + '/' : h.path;
  return path.length <= 100 && ascii(path) ? path : undefined;
}

/** Where each value goes: into the ustar fields, or (too long, non-ASCII, too big) into PAX records. */
function layoutHeader(h: TarHeader): Layout {
  const path = h.type === 'dir' && !h.path.endsWith('/') ? h.path + '/' : h.path;
  const linkpath = h.linkpath ?? '';
  const records: Buffer[] = [];
  let split = ascii(path) ? splitUstarPath(path) : undefined;
  if (!split) {
    records.push(paxRecord('path', path));
    split = { prefix: '', name: truncateBytes(path, 100) };
  }
  let linkname = linkpath;
  if (linkpath.length > 100 || !ascii(linkpath)) {
    records.push(paxRecord('linkpath', linkpath));
    linkname = truncateBytes(linkpath, 100);
  }
  if (h.uid > MAX_OCTAL_7) records.push(paxRecord('uid', String(h.uid)));
  if (h.gid > MAX_OCTAL_7) records.push(paxRecord('gid', String(h.gid)));
  if (h.size > MAX_OCTAL_11) records.push(paxRecord('size', String(h.size)));
  if (h.mtime > MAX_OCTAL_11 || h.mtime < 0) records.push(paxRecord('mtime', String(h.mtime)));
  for (const name of Object.keys(h.xattrs ?? {}).sort()) records.push(paxRecord(`SCHILY.xattr.${name}`, (h.xattrs as Record<string, Buffer>)[name]));
  return { path, split, linkname, records };
}

function paxLength(records: Buffer[]): number {
  let n = 0;
  for (const r of records) n += r.length;
  return n;
}

/** Bytes encodeHeader(h) will produce, without building the blocks. */
export function headerSize(h: TarHeader): number {
  if (plainPath(h) !== undefined) return BLOCK;
  const { records } = layoutHeader(h);
  if (!records.length) return BLOCK;
  const n = paxLength(records);
  return 2 * BLOCK + n + padTo(n);
}

function mainFields(h: TarHeader, l: Layout): RawFields {
  return {
    name: l.split.name,
    prefix: l.split.prefix,
    type: TYPEFLAG[h.type],
    mode: h.mode,
    uid: Math.min(h.uid, MAX_OCTAL_7),
    gid: Math.min(h.gid, MAX_OCTAL_7),
    size: h.type === 'file' ? Math.min(h.size, MAX_OCTAL_11) : 0,
    mtime: Math.min(Math.max(h.mtime, 0), MAX_OCTAL_11),
    linkname: l.linkname,
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  };
}

/**
 * The header blocks for one entry: an optional PAX extended header (for long or non-ASCII
 * paths, long link targets, large ids or sizes, xattrs) followed by the ustar header.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const l = layoutHeader(h);
  const fields = mainFields(h, l);
  const main = rawHeader(fields);
  if (!l.records.length) return main;
  const pax = Buffer.concat(l.records);
  const base = l.path.replace(/\/$/, '').split('/').pop() || '.';
  const paxHead = rawHeader({ name: truncateBytes(`./PaxHeaders/${base}`, 100), prefix: '', type: TYPEFLAG.pax, mode: 0o644, uid: 0, gid: 0, size: pax.length, mtime: fields.mtime, linkname: '', devmajor: 0, devminor: 0 });
  return Buffer.concat([paxHead, pax, Buffer.alloc(padTo(pax.length)), main]);
}

/**
 * The common case of encodeHeader in place: when the entry needs no PAX header, write its
 * one block at b[off..off+512) and return true; otherwise write nothing and return false.
 */
export function encodeHeaderInto(h: TarHeader, b: Buffer, off: number): boolean {
  const path = plainPath(h);
  if (path !== undefined) {
    writeUstar(b, off, path, '', TYPEFLAG[h.type], h.mode, h.uid, h.gid, h.type === 'file' ? h.size : 0, h.mtime, h.linkpath ?? '', h.devmajor ?? 0, h.devminor ?? 0);
    return true;
  }
  const l = layoutHeader(h);
  if (l.records.length) return false;
  writeRaw(b, off, mainFields(h, l));
  return true;
}

/** Zero padding after `size` bytes of file data. */
export function dataPadding(size: number): Buffer {
  return Buffer.alloc(padTo(size));
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

function truncateBytes(s: string, max: number): string {
  const b = Buffer.from(s);
  if (b.length <= max) return s;
  // Cut on a character boundary so the field stays valid UTF-8.
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

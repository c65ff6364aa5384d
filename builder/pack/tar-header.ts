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

function octal(buf: Buffer, off: number, width: number, value: number): void {
  // width includes the terminating NUL, as GNU tar writes numeric fields. Digit by digit
  // (division, not shifts: 11 octal digits exceed 32 bits): 30k headers per template.
  buf[off + width - 1] = 0;
  for (let i = off + width - 2; i >= off; i--) {
    buf[i] = 0x30 + (value % 8);
    value = Math.floor(value / 8);
  }
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

/** One ustar block written at b[o..o+512) (in place: no Buffer per header). */
function writeRaw(b: Buffer, o: number, h: RawFields): void {
  b.fill(0, o, o + BLOCK);
  b.write(h.name, o, 100, 'utf8');
  octal(b, o + 100, 8, h.mode & 0o7777);
  octal(b, o + 108, 8, h.uid);
  octal(b, o + 116, 8, h.gid);
  octal(b, o + 124, 12, h.size);
  octal(b, o + 136, 12, h.mtime);
  b.fill(0x20, o + 148, o + 156); // checksum is computed with its own field as spaces
  b.write(h.type, o + 156, 1, 'latin1');
  if (h.linkname) b.write(h.linkname, o + 157, 100, 'utf8');
  b.write('ustar\x0000', o + 257, 8, 'latin1');
  // uname/gname stay empty: owners are numeric only.
  octal(b, o + 329, 8, h.devmajor);
  octal(b, o + 337, 8, h.devminor);
  if (h.prefix) b.write(h.prefix, o + 345, 155, 'utf8');
  let sum = 0;
  for (let i = o; i < o + BLOCK; i++) sum += b[i]; // (an indexed loop: the iterator was a hot spot)
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

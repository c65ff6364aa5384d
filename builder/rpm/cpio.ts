// The cpio forms rpm writes into payloads: SVR4 "newc" (070701, and 070702 with a checksum
// field rpm never fills), and rpm ≥ 4.12's stripped form (07070X + 8-hex file index, padded
// to 4) used when a package has files ≥ 4 GiB: there the metadata and size come from the
// header, by file index. Pure functions over bytes; the reading loop is in reader.ts.

export const NEWC_HEADER_SIZE = 110;
export const STRIPPED_HEADER_SIZE = 14;
export const TRAILER_NAME = 'TRAILER!!!';
/** Longest name we accept (rpm's PATH_MAX-ish limit; bounds memory on hostile input). */
export const CPIO_NAME_MAX = 4096;

export interface CpioNewcHeader {
  form: 'newc';
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  nameSize: number;
}

export interface CpioStrippedHeader {
  form: 'stripped';
  fileIndex: number;
}

const HEX = /^[0-9a-fA-F]{8}$/;

/** The magic of the next entry: 6 bytes. */
export function cpioMagic(b: Buffer): 'newc' | 'stripped' | undefined {
  const m = b.toString('latin1', 0, 6);
  if (m === '070701' || m === '070702') return 'newc';
  if (m === '07070X') return 'stripped';
  return undefined;
}

/** Parse the 104 bytes after a newc magic; throws a plain Error naming a malformed field. */
export function parseNewcHeader(b: Buffer): CpioNewcHeader {
  // Hand-rolled hex: this runs once per payload entry, and packages have 10^4+ entries.
  const f = (i: number): number => {
    let v = 0;
    for (let k = 8 * i; k < 8 * i + 8; k++) {
      const c = b[k];
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) throw new Error(`cpio header field ${i} is not hex: ${JSON.stringify(b.toString('latin1', 8 * i, 8 * i + 8))}`);
      v = v * 16 + d;
    }
    return v;
  };
  return {
    form: 'newc',
    ino: f(0),
    mode: f(1),
    uid: f(2),
    gid: f(3),
    nlink: f(4),
    mtime: f(5),
    size: f(6),
    devMajor: f(7),
    devMinor: f(8),
    rdevMajor: f(9),
    rdevMinor: f(10),
    nameSize: f(11),
  };
}

/** Parse the 8 bytes after a stripped (07070X) magic. */
export function parseStrippedHeader(b: Buffer): CpioStrippedHeader {
  const s = b.toString('latin1', 0, 8);
  if (!HEX.test(s)) throw new Error(`stripped cpio file index is not hex: ${JSON.stringify(s)}`);
  return { form: 'stripped', fileIndex: parseInt(s, 16) };
}

/** Bytes of padding after `n` bytes to reach a multiple of 4. */
export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Encode a newc header + name + padding (for the writer). */
export function encodeNewcHeader(h: Omit<CpioNewcHeader, 'form' | 'nameSize'>, name: string): Buffer {
  const nameBytes = Buffer.from(name + '\0', 'utf8');
  const hex = (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field ${n} does not fit in 8 hex digits (${name})`);
    return n.toString(16).padStart(8, '0');
  };
  const fields = [h.ino, h.mode, h.uid, h.gid, h.nlink, h.mtime, h.size, h.devMajor, h.devMinor, h.rdevMajor, h.rdevMinor, nameBytes.length, 0];
  const head = '070701' + fields.map(hex).join('');
  const total = NEWC_HEADER_SIZE + nameBytes.length;
  const out = Buffer.alloc(total + pad4(total));
  out.write(head, 0, 'latin1');
  nameBytes.copy(out, NEWC_HEADER_SIZE);
  return out;
}

/** Encode a stripped header (07070X + index) with its padding. */
export function encodeStrippedHeader(fileIndex: number): Buffer {
  const out = Buffer.alloc(STRIPPED_HEADER_SIZE + pad4(STRIPPED_HEADER_SIZE));
  out.write('07070X' + fileIndex.toString(16).padStart(8, '0'), 0, 'latin1');
  return out;
}

/** The trailer entry, as rpm writes it (a newc header with nlink 1). */
export function encodeTrailer(): Buffer {
  return encodeNewcHeader({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0 }, TRAILER_NAME);
}

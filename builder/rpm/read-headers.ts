// Reading an .rpm's lead, signature header and main header from a file, without touching
// the payload: the header-only read the resolver, fetch and inspect use. Checks the header
// digests (SHA1/SHA256/SHA3-256 in the signature header) and the recorded header+payload
// size against the file, so a truncated or tampered download fails here, by name.
// Payload streaming is reader.ts' job.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { digestError, formatError } from './errors.js';
import { Header, PREAMBLE_SIZE, parsePreamble } from './header.js';
import { SigTag, Tag } from './tags.js';

export const LEAD_SIZE = 96;
const LEAD_MAGIC = 0xedabeedb;
/** rpm's RPMSIGTYPE_HEADERSIG: the only signature type since rpm 3. */
const SIGTYPE_HEADERSIG = 5;

export interface RpmLead {
  major: number;
  minor: number;
  type: 'binary' | 'source';
  archnum: number;
  /** The lead's NEVR string (informational; rpm ignores it, and so do we). */
  name: string;
  osnum: number;
  signatureType: number;
}

/** Byte range [start, end) in the file. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface RpmHeaders {
  path: string;
  lead: RpmLead;
  signature: Header;
  header: Header;
  /** The signature header, preamble included. */
  signatureRange: ByteRange;
  /** The main header, preamble included: what header digests and RSAHEADER/DSAHEADER cover. */
  headerRange: ByteRange;
  /** Start of the compressed payload; header+payload is [headerRange.start, fileSize). */
  payloadOffset: number;
  fileSize: number;
  /** Package format: 4, or 6 for rpm ≥ 6 packages (RPMFORMAT tag). */
  format: 4 | 6;
}

export interface ReadHeadersOptions {
  /** Check header digests and the header+payload size (default true). */
  verify?: boolean;
}

export async function readRpmHeaders(path: string, opts: ReadHeadersOptions = {}): Promise<RpmHeaders> {
  const fh = await open(path, 'r');
  try {
    return await readRpmHeadersFrom(fh, path, opts);
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: FileHandle, position: number, length: number, subject: string, what: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw formatError(subject, `truncated in the ${what} (${position + got} bytes, ${what} needs ${length} from offset ${position})`);
    got += bytesRead;
  }
  return buf;
}

export function parseLead(b: Buffer, subject: string): RpmLead {
  if (b.readUInt32BE(0) !== LEAD_MAGIC) throw formatError(subject, `not an RPM package (lead magic ${b.subarray(0, 4).toString('hex')}, expected edabeedb)`);
  const major = b[4];
  if (major !== 3 && major !== 4) throw formatError(subject, `unsupported RPM lead version ${major}.${b[5]}`);
  const type = b.readUInt16BE(6);
  const nameEnd = b.indexOf(0, 10);
  const lead: RpmLead = {
    major,
    minor: b[5],
    type: type === 1 ? 'source' : 'binary',
    archnum: b.readUInt16BE(8),
    name: b.toString('latin1', 10, nameEnd < 0 || nameEnd > 76 ? 76 : nameEnd),
    osnum: b.readUInt16BE(76),
    signatureType: b.readUInt16BE(78),
  };
  if (lead.signatureType !== SIGTYPE_HEADERSIG) throw formatError(subject, `unsupported signature type ${lead.signatureType} in the lead (only header-style signatures, rpm ≥ 3)`);
  return lead;
}

async function readHeaderAt(fh: FileHandle, position: number, fileSize: number, subject: string, what: string): Promise<Header> {
  const pre = await readExactly(fh, position, PREAMBLE_SIZE, subject, what);
  const { totalLength } = parsePreamble(pre, subject, what);
  // Check against the file before allocating: a hostile count cannot make us allocate more
  // than the file holds.
  if (position + totalLength > fileSize) {
    throw formatError(subject, `truncated in the ${what}: it needs ${totalLength} bytes at offset ${position}, file has ${fileSize}`);
  }
  const blob = Buffer.allocUnsafe(totalLength);
  pre.copy(blob, 0);
  const rest = await readExactly(fh, position + PREAMBLE_SIZE, totalLength - PREAMBLE_SIZE, subject, what);
  rest.copy(blob, PREAMBLE_SIZE);
  return new Header(blob, subject, what);
}

export async function readRpmHeadersFrom(fh: FileHandle, path: string, opts: ReadHeadersOptions = {}): Promise<RpmHeaders> {
  const { size: fileSize } = await fh.stat();
  if (fileSize < LEAD_SIZE) {
    const head = await readExactly(fh, 0, Math.min(fileSize, 4), path, 'lead').catch(() => Buffer.alloc(0));
    if (head.length === 4 && head.readUInt32BE(0) !== LEAD_MAGIC) throw formatError(path, `not an RPM package (lead magic ${head.toString('hex')}, expected edabeedb)`);
    throw formatError(path, `truncated in the lead (${fileSize} of ${LEAD_SIZE} bytes)`);
  }
  const lead = parseLead(await readExactly(fh, 0, LEAD_SIZE, path, 'lead'), path);
  const signature = await readHeaderAt(fh, LEAD_SIZE, fileSize, path, 'signature header');
  const sigEnd = LEAD_SIZE + signature.blob.length;
  // The signature header is padded to a multiple of 8 bytes.
  const headerStart = sigEnd + ((8 - (signature.blob.length % 8)) % 8);
  const header = await readHeaderAt(fh, headerStart, fileSize, path, 'main header');
  const headerEnd = headerStart + header.blob.length;
  const result: RpmHeaders = {
    path,
    lead,
    signature,
    header,
    signatureRange: { start: LEAD_SIZE, end: sigEnd },
    headerRange: { start: headerStart, end: headerEnd },
    payloadOffset: headerEnd,
    fileSize,
    format: header.getNumber(Tag.RPMFORMAT) === 6 ? 6 : 4,
  };
  if (opts.verify !== false) verifyHeaderDigests(result);
  return result;
}

/** A subject naming both the file and the package, for error messages. */
export function packageSubject(h: Pick<RpmHeaders, 'path' | 'header'>): string {
  const n = h.header.getString(Tag.NAME);
  if (!n) return h.path;
  const e = h.header.getNumber(Tag.EPOCH);
  const nevra = `${n}-${e ? e + ':' : ''}${h.header.getString(Tag.VERSION)}-${h.header.getString(Tag.RELEASE)}.${h.header.getString(Tag.ARCH) ?? ''}`;
  return `${h.path} (${nevra})`;
}

/**
 * The signature header's header digests against the main header's bytes, and its
 * header+payload size against the file. Payload digests need the payload: reader.ts.
 */
export function verifyHeaderDigests(h: RpmHeaders): void {
  const subject = packageSubject(h);
  const checks: [number, string][] = [
    [SigTag.SHA256, 'sha256'],
    [SigTag.SHA1, 'sha1'],
    [SigTag.SHA3_256, 'sha3-256'],
  ];
  for (const [tag, algo] of checks) {
    const want = h.signature.getString(tag);
    if (want === undefined) continue;
    const got = createHash(algo).update(h.header.blob).digest('hex');
    if (got !== want.toLowerCase()) throw digestError(subject, `header ${algo.toUpperCase()} digest mismatch: signature header says ${want}, main header hashes to ${got}`);
  }
  const size = h.signature.getNumber(SigTag.LONGSIZE) ?? h.signature.getNumber(SigTag.SIZE);
  const actual = h.fileSize - h.headerRange.start;
  if (size !== undefined && size !== actual) {
    throw digestError(subject, size > actual
      ? `truncated: header+payload should be ${size} bytes, file has ${actual} after the signature header`
      : `header+payload size mismatch: signature header says ${size} bytes, file has ${actual} (data past the end)`);
  }
}

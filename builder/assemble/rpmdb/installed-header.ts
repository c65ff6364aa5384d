// The header rpm stores in its database for an installed package: the package's main
// header with its immutable region untouched, plus what rpm adds on the way in —
//   1. headerMergeLegacySigs (lib/package.c): signature-header tags copied in under their
//      main-header numbers (SIZE→SIGSIZE, MD5→SIGMD5, PAYLOADSIZE→ARCHIVESIZE, ...; tags in
//      256..999 keep theirs: RSAHEADER, SHA1HEADER, SHA256HEADER, ...), only when absent,
//      only scalars for integer types and values under 16 KiB for strings/blobs;
//   2. dbAdd (lib/psm.c): FILESTATES (one state per file, all "normal" here), INSTALLTID,
//      INSTALLTIME, INSTALLCOLOR.
// rpm's headerExport then lays the added ("dribble") entries out after the region, sorted
// by tag: exactly extendHeader's layout. Headers without an immutable region are rpm v3
// packages, which rpm itself only retrofits with a deprecation warning: we refuse them.
import { encodeHeader, extendHeader, type HeaderInput } from '../../rpm/header-encode.js';
import { Header, HEADER_MAGIC } from '../../rpm/header.js';
import { HEADER_IMMUTABLE, SigTag, Tag, TagType } from '../../rpm/tags.js';
import { RpmdbError } from './errors.js';

export interface InstallStamp {
  /** INSTALLTIME (seconds since the epoch); SOURCE_DATE_EPOCH for reproducible roots. */
  installTime: number;
  /** INSTALLTID: the transaction id rpm takes from the clock at transaction start. */
  installTid: number;
  /** INSTALLCOLOR: the transaction color (%_transaction_color: 3 on 64-bit multilib arches, 0 elsewhere). */
  installColor: number;
}

// Main-header numbers of the legacy signature tags (rpmtag.h RPMTAG_SIG*), which
// builder/rpm/tags.ts does not name.
const RPMTAG_SIGSIZE = 257;
const RPMTAG_SIGPGP = 259;
const RPMTAG_SIGGPG = 262;
const RPMTAG_SIGPGP5 = 263;

/** headerMergeLegacySigs' renumbering; other signature tags in 256..999 keep their number. */
const SIG_TO_TAG: Record<number, number> = {
  [SigTag.SIZE]: RPMTAG_SIGSIZE,
  [SigTag.PGP]: RPMTAG_SIGPGP,
  [SigTag.MD5]: Tag.SIGMD5,
  [SigTag.GPG]: RPMTAG_SIGGPG,
  [SigTag.PGP5]: RPMTAG_SIGPGP5,
  [SigTag.PAYLOADSIZE]: Tag.ARCHIVESIZE,
  [SigTag.FILESIGNATURES]: Tag.FILESIGNATURES,
  [SigTag.FILESIGNATURELENGTH]: Tag.FILESIGNATURELENGTH,
};
const HEADER_SIGBASE = 256;
const HEADER_TAGBASE = 1000;

/** Parse a main or signature header given with or without its 8-byte magic. */
export function parseStoredHeader(bytes: Buffer | Uint8Array, subject: string, what: string): Header {
  // Callers may hand plain Uint8Arrays (structured clones, other stages); view them as Buffers.
  const blob = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const withMagic = blob.subarray(0, 3).equals(HEADER_MAGIC.subarray(0, 3)) ? blob : Buffer.concat([HEADER_MAGIC, blob]);
  return new Header(withMagic, subject, what);
}

/** The signature-header entries rpm merges into the main header. */
export function legacySigEntries(main: Header, sig: Header): HeaderInput[] {
  const out: HeaderInput[] = [];
  const seen = new Set<number>();
  for (const e of sig.index) {
    if (e.tag === sig.regionTag) continue;
    // rpm 6's RESERVED (999) is padding, not data.
    const tag = SIG_TO_TAG[e.tag] ?? (e.tag >= HEADER_SIGBASE && e.tag < HEADER_TAGBASE && e.tag !== SigTag.RESERVED ? e.tag : undefined);
    if (tag === undefined || main.has(tag) || seen.has(tag)) continue;
    switch (e.type) {
      case TagType.CHAR:
      case TagType.INT8:
      case TagType.INT16:
      case TagType.INT32:
      case TagType.INT64:
        if (e.count !== 1) continue;
        break;
      case TagType.STRING:
      case TagType.STRING_ARRAY:
      case TagType.BIN:
        if (e.count >= 16 * 1024) continue;
        break;
      default:
        continue; // I18NSTRING and unknown types are not merged
    }
    const v = sig.value(e.tag)!;
    out.push({ tag, type: v.type, value: v.value });
    seen.add(tag);
  }
  return out;
}

/**
 * The blob rpm writes to the Packages table/db for this package: no 8-byte magic, starting
 * with the index length. Returns it with the parsed installed header (for the indexes).
 */
export function installedHeader(headerBlob: Buffer | Uint8Array, signatureBlob: Buffer | Uint8Array | undefined, stamp: InstallStamp, subject = 'package'): { blob: Buffer; header: Header } {
  const main = parseStoredHeader(headerBlob, subject, 'header');
  if (main.regionTag !== HEADER_IMMUTABLE) throw new RpmdbError('E_RPMDB_HEADER', `${subject}: header has no immutable region (an rpm v3 package); refusing to install it into an rpmdb`);
  const name = main.getString(Tag.NAME);
  if (!name || !main.has(Tag.VERSION) || !main.has(Tag.RELEASE)) throw new RpmdbError('E_RPMDB_HEADER', `${subject}: header lacks NAME/VERSION/RELEASE`);
  const extra = signatureBlob ? legacySigEntries(main, parseStoredHeader(signatureBlob, subject, 'signature header')) : [];
  const fileCount = main.getStringArray(Tag.BASENAMES)?.length ?? 0;
  const add = (tag: number, type: TagType, value: number[] | Buffer) => {
    if (!main.has(tag)) extra.push({ tag, type, value: value as number[] });
  };
  // All files "normal": vzbuild installs every file (no %lang/docs filtering, no netshared paths).
  if (fileCount > 0) add(Tag.FILESTATES, TagType.CHAR, new Array<number>(fileCount).fill(0));
  add(Tag.INSTALLTID, TagType.INT32, [stamp.installTid >>> 0]);
  add(Tag.INSTALLTIME, TagType.INT32, [stamp.installTime >>> 0]);
  add(Tag.INSTALLCOLOR, TagType.INT32, [stamp.installColor >>> 0]);
  const full = extendHeader(main, extra);
  const header = new Header(full, subject, 'installed header');
  return { blob: full.subarray(HEADER_MAGIC.length), header };
}

/** For tests and tools: a header from entries (region 63), as encodeHeader makes it. */
export { encodeHeader };

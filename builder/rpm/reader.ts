// Streaming an .rpm's payload as cpio entries: file → (hash tap) → decompressor → cpio
// parser, one entry at a time, bodies as streams; the package is never held in memory.
// Checks while streaming: the compressed-payload digests (PAYLOADDIGEST and rpm 6's
// SHA512/SHA3 variants, or the legacy MD5 over header+payload), the uncompressed-payload
// digests (…ALT), and the uncompressed size the headers record — a payload that grows past
// it is stopped right there. Digest errors surface from the final step of the iteration,
// after the last entry: consumers that write content must treat the package as failed then.
// Does not own: where entries go (assemble), path safety (assemble's unpack checks).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform, pipeline } from 'node:stream';
import { canDecompressWhole, compressionFromRpmName, decompressStream, decompressWhole, detectCompression, type Compression } from '../compress/index.js';
import { ByteReader } from './byte-reader.js';
import { CPIO_NAME_MAX, NEWC_HEADER_SIZE, TRAILER_NAME, cpioMagic, pad4, parseNewcHeader, parseStrippedHeader } from './cpio.js';
import { digestError, formatError, RpmError } from './errors.js';
import { filePaths } from './file-list.js';
import { packageSubject, readRpmHeaders, type RpmHeaders } from './read-headers.js';
import { PGPHASHALGO, SigTag, Tag } from './tags.js';

export interface PayloadEntry {
  /** Path as the header lists it: "/usr/bin/ls" (binary), "foo.spec" (source package). */
  path: string;
  /** Name as stored in the cpio archive ("./usr/bin/ls"), or the header path for stripped cpio. */
  archiveName: string;
  /** Index into the header's file list, or -1 when the header does not list it. */
  fileIndex: number;
  mode: number;
  uid: number;
  gid: number;
  /** Owner names from the header (FILEUSERNAME/FILEGROUPNAME); 'root' when absent. */
  user: string;
  group: string;
  /** Bytes of `body`: 0 for directories, symlinks and all but one member of a hard-link set. */
  size: number;
  nlink: number;
  ino: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  /** Symlink target (read from the archive); '' for other types. */
  linkTarget: string;
  /** The content; consume it (or not) before asking for the next entry. */
  body: Readable;
  /**
   * The whole content as one buffer, taken straight from the payload without a stream (for
   * small bodies a consumer keeps in memory anyway: no per-entry stream, no chunk copies).
   * Use it or `body`, not both; like `body`, before asking for the next entry.
   */
  bytes(): Promise<Buffer>;
}

export interface PayloadOptions {
  /** Verify header and payload digests and sizes (default true). */
  verify?: boolean;
  signal?: AbortSignal;
  /** Headers already read with readRpmHeaders (saves a second read). */
  headers?: RpmHeaders;
}

const BODY_CHUNK = 256 * 1024;
const LINK_TARGET_MAX = 4096;

interface DigestCheck {
  label: string;
  want: string;
  hash: Hash;
}

function digestChecks(h: RpmHeaders, alt: boolean): DigestCheck[] {
  const out: DigestCheck[] = [];
  const hdr = h.header;
  const algoId = hdr.getNumber(Tag.PAYLOADDIGESTALGO) ?? 8;
  const algo = PGPHASHALGO[algoId];
  const main = hdr.getStringArray(alt ? Tag.PAYLOADDIGESTALT : Tag.PAYLOADDIGEST)?.[0];
  if (main && algo) out.push({ label: `${alt ? 'uncompressed' : 'compressed'} payload ${algo}`, want: main.toLowerCase(), hash: createHash(algo) });
  // rpm 6: PAYLOADSHA512(ALT) 5121/5122, PAYLOADSHA3_256(ALT) 5123/5124.
  for (const [tag, a] of [[alt ? 5122 : 5121, 'sha512'], [alt ? 5124 : 5123, 'sha3-256']] as const) {
    const want = hdr.getString(tag);
    if (want && /^[0-9a-f]+$/i.test(want)) out.push({ label: `${alt ? 'uncompressed' : 'compressed'} payload ${a}`, want: want.toLowerCase(), hash: createHash(a) });
  }
  return out;
}

/** Uncompressed payload size as recorded, or undefined (very old packages). */
export function recordedArchiveSize(h: RpmHeaders): number | undefined {
  return (
    h.signature.getNumber(SigTag.LONGARCHIVESIZE) ??
    h.signature.getNumber(SigTag.PAYLOADSIZE) ??
    h.header.getNumber(Tag.PAYLOADSIZEALT) ??
    h.header.getNumber(Tag.LONGARCHIVESIZE) ??
    h.header.getNumber(Tag.ARCHIVESIZE)
  );
}

export function payloadCompression(h: RpmHeaders, first?: Buffer): Compression {
  const name = h.header.getString(Tag.PAYLOADCOMPRESSOR);
  const named = compressionFromRpmName(name);
  if (!named) throw new RpmError('E_RPM_UNSUPPORTED', packageSubject(h), `unknown payload compressor ${JSON.stringify(name)}`);
  // An uncompressed cpio archive, whatever the tag says (rpm omits it for w.ufdio payloads).
  if (first && first.length >= 6 && cpioMagic(first)) return 'none';
  const seen = first && detectCompression(first);
  // Trust the bytes over the tag when they clearly say otherwise (lzma's magic is only a
  // heuristic, so it never overrides); the digests still guard the content.
  return seen && seen !== 'lzma' && seen !== named ? seen : named;
}

export async function* payloadEntries(path: string, opts: PayloadOptions = {}): AsyncGenerator<PayloadEntry, void, undefined> {
  const verify = opts.verify !== false;
  const h = opts.headers ?? (await readRpmHeaders(path, { verify }));
  const subject = packageSubject(h);
  const hdr = h.header;
  const format = hdr.getString(Tag.PAYLOADFORMAT) ?? 'cpio';
  if (format !== 'cpio' && format !== 'drpm') throw new RpmError('E_RPM_UNSUPPORTED', subject, `payload format ${format} is not cpio`);

  const paths = filePaths(hdr);
  const indexOf = new Map<string, number>();
  paths.forEach((p, i) => indexOf.set(p, i));
  const users = hdr.getStringArray(Tag.FILEUSERNAME);
  const groups = hdr.getStringArray(Tag.FILEGROUPNAME);
  const sizes = hdr.getNumberArray(Tag.LONGFILESIZES) ?? hdr.getNumberArray(Tag.FILESIZES) ?? [];
  const modes = hdr.getNumberArray(Tag.FILEMODES) ?? [];
  const recorded = recordedArchiveSize(h);
  // Without a recorded size, cap at what the file list could possibly need.
  const limit = recorded ?? sizes.reduce((a, b) => a + b, 0) + (paths.length + 1) * (NEWC_HEADER_SIZE + CPIO_NAME_MAX + 8) + (1 << 20);

  const compressed = verify ? digestChecks(h, false) : [];
  const uncompressed = verify ? digestChecks(h, true) : [];
  // The MD5 over header+payload is the only payload check old packages have.
  const md5 = verify && compressed.length === 0 ? h.signature.getBin(SigTag.MD5) : undefined;
  const md5Hash = md5 && createHash('md5').update(h.header.blob);

  const first = await readFirstBytes(path, h.payloadOffset, h.fileSize);
  const kind = payloadCompression(h, first);
  let pipeError: Error | undefined;
  let piped: Promise<void>;
  let plain: AsyncIterator<Buffer>;
  let stop: () => void;
  // A small payload is decoded in one piece in this thread when that beats a decompressor
  // child (see compress/index.ts); everything else streams.
  const whole = recorded !== undefined && recorded > 0 ? await decodeWhole(path, h.payloadOffset, h.fileSize, kind, recorded) : undefined;
  if (whole) {
    for (const c of compressed) c.hash.update(whole.compressed);
    md5Hash?.update(whole.compressed);
    plain = (async function* () {
      yield whole.plain;
    })();
    piped = Promise.resolve();
    stop = () => undefined;
  } else {
    const src = createReadStream(path, { start: h.payloadOffset, highWaterMark: BODY_CHUNK });
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        for (const c of compressed) c.hash.update(chunk);
        md5Hash?.update(chunk);
        cb(null, chunk);
      },
    });
    const dec = decompressStream(kind, { signal: opts.signal });
    piped = new Promise<void>((resolve) =>
      pipeline(src, tap, dec, (err) => {
        pipeError = err ?? undefined;
        resolve();
      }),
    );
    plain = dec[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    stop = () => {
      src.destroy();
      dec.destroy();
    };
  }
  const wrapPipeError = (e: unknown): Error =>
    e instanceof RpmError ? e : formatError(subject, `payload (${kind}) is corrupt: ${(e as Error).message}`, { cause: e });
  const reader: ByteReader = new ByteReader(
    plain,
    limit,
    {
      eof: (what: string): Error => formatError(subject, `payload ends early, in ${what} (after ${reader.consumed} bytes of cpio${recorded !== undefined ? `, header says ${recorded}` : ''})`),
      overLimit: (n) =>
        formatError(subject, `payload decompresses to more than ${n} bytes${recorded !== undefined ? ' (the archive size the header records)' : ' (the most its file list allows)'}`),
      source: wrapPipeError,
    },
    uncompressed.length ? (b) => uncompressed.forEach((c) => c.hash.update(b)) : undefined,
  );

  let completed = false;
  try {
    for (;;) {
      const magicBuf = reader.readNow(6) ?? (await reader.read(6, 'a cpio header'));
      const form = cpioMagic(magicBuf);
      if (!form) throw formatError(subject, `bad cpio magic ${JSON.stringify(magicBuf.toString('latin1'))} at payload offset ${reader.consumed - 6}`);
      let entry: Omit<PayloadEntry, 'body' | 'linkTarget' | 'bytes'>;
      if (form === 'newc') {
        const rest = reader.readNow(NEWC_HEADER_SIZE - 6) ?? (await reader.read(NEWC_HEADER_SIZE - 6, 'a cpio header'));
        let c;
        try {
          c = parseNewcHeader(rest);
        } catch (e) {
          throw formatError(subject, `${(e as Error).message} at payload offset ${reader.consumed - NEWC_HEADER_SIZE}`);
        }
        if (c.nameSize < 1 || c.nameSize > CPIO_NAME_MAX) throw formatError(subject, `cpio name size ${c.nameSize} out of range at payload offset ${reader.consumed - NEWC_HEADER_SIZE}`);
        const nameBuf = reader.readNow(c.nameSize) ?? (await reader.read(c.nameSize, 'a cpio file name'));
        const namePad = pad4(NEWC_HEADER_SIZE + c.nameSize);
        if (!reader.skipNow(namePad)) await reader.skip(namePad, 'cpio padding');
        const name = nameBuf.toString('utf8', 0, nameBuf[c.nameSize - 1] === 0 ? c.nameSize - 1 : c.nameSize);
        if (name === TRAILER_NAME) break;
        const path = name.startsWith('./') ? name.slice(1) : name.startsWith('/') ? name : indexOf.has('/' + name) ? '/' + name : name;
        const fx = indexOf.get(path) ?? -1;
        entry = {
          path,
          archiveName: name,
          fileIndex: fx,
          mode: c.mode,
          uid: c.uid,
          gid: c.gid,
          user: (fx >= 0 && users?.[fx]) || 'root',
          group: (fx >= 0 && groups?.[fx]) || 'root',
          size: c.size,
          nlink: c.nlink,
          ino: c.ino,
          mtime: c.mtime,
          rdevMajor: c.rdevMajor,
          rdevMinor: c.rdevMinor,
        };
      } else {
        const rest = await reader.read(8, 'a stripped cpio header');
        await reader.skip(2, 'cpio padding');
        const { fileIndex: fx } = parseStrippedHeader(rest);
        if (fx >= paths.length) throw formatError(subject, `stripped cpio entry names file index ${fx}, header lists ${paths.length} files`);
        entry = strippedEntry(hdr, fx, paths, modes, sizes, users, groups);
      }
      let linkTarget = '';
      if ((entry.mode & 0o170000) === 0o120000) {
        if (entry.size > LINK_TARGET_MAX) throw formatError(subject, `symlink ${entry.path} target of ${entry.size} bytes exceeds ${LINK_TARGET_MAX}`);
        linkTarget = (await reader.read(entry.size, `the target of symlink ${entry.path}`)).toString('utf8');
        await reader.skip(pad4(entry.size), 'cpio padding');
        const target = Buffer.from(linkTarget);
        yield { ...entry, linkTarget, body: Readable.from([]), bytes: async () => target };
        continue;
      }
      // The body stream is made on first access: most entries (dirs, links, hard-link
      // members) have none, and a consumer may skip content it does not need.
      let body: BodyStream | undefined;
      let taken = false;
      const size = entry.size;
      const what = entry.path;
      const bytes = async (): Promise<Buffer> => {
        if (body || taken) throw new Error(`payload entry ${what}: content already consumed`);
        taken = true;
        // Zero-copy when the decompressor's current chunk holds it all (the common case).
        return reader.readNow(size) ?? reader.read(size, `the content of ${what}`);
      };
      yield {
        ...entry,
        linkTarget,
        bytes,
        get body() {
          return (body ??= new BodyStream(reader, size, `the content of ${what}`));
        },
      };
      if (body) await body.drain();
      else if (!taken && size && !reader.skipNow(size)) await reader.skip(size, `the content of ${what}`);
      if (!reader.skipNow(pad4(size))) await reader.skip(pad4(size), 'cpio padding');
    }
    // After the trailer: the rest (padding) still counts toward size and digests.
    await reader.drainAll();
    await piped;
    if (pipeError) throw wrapPipeError(pipeError);
    if (verify && recorded !== undefined && reader.total !== recorded) {
      throw digestError(subject, `payload size mismatch: header says ${recorded} bytes uncompressed, payload has ${reader.total}`);
    }
    for (const c of [...compressed, ...uncompressed]) {
      const got = c.hash.digest('hex');
      if (got !== c.want) throw digestError(subject, `${c.label} digest mismatch: header says ${c.want}, payload hashes to ${got}`);
    }
    if (md5 && md5Hash) {
      const got = md5Hash.digest();
      if (!got.equals(md5)) throw digestError(subject, `header+payload MD5 mismatch: signature says ${md5.toString('hex')}, package hashes to ${got.toString('hex')}`);
    }
    completed = true;
  } finally {
    if (!completed) stop();
  }
}

function strippedEntry(
  hdr: RpmHeaders['header'],
  fx: number,
  paths: string[],
  modes: number[],
  sizes: number[],
  users: string[] | undefined,
  groups: string[] | undefined,
): Omit<PayloadEntry, 'body' | 'linkTarget' | 'bytes'> {
  const mode = modes[fx] ?? 0o100644;
  const inodes = hdr.getNumberArray(Tag.FILEINODES);
  const devices = hdr.getNumberArray(Tag.FILEDEVICES);
  const mtimes = hdr.getNumberArray(Tag.FILEMTIMES);
  const rdevs = hdr.getNumberArray(Tag.FILERDEVS);
  const links = hdr.getStringArray(Tag.FILELINKTOS);
  // rpm stores a hard-link set's content with its last member (highest index).
  let nlink = 1;
  let hasContent = (mode & 0o170000) === 0o100000;
  if (hasContent && inodes) {
    let last = fx;
    for (let i = 0; i < paths.length; i++) {
      if (inodes[i] === inodes[fx] && (devices?.[i] ?? 0) === (devices?.[fx] ?? 0) && (modes[i] & 0o170000) === 0o100000) {
        nlink++;
        last = Math.max(last, i);
      }
    }
    nlink--; // counted itself
    hasContent = last === fx;
  }
  const isLink = (mode & 0o170000) === 0o120000;
  const rdev = rdevs?.[fx] ?? 0;
  return {
    path: paths[fx],
    archiveName: paths[fx],
    fileIndex: fx,
    mode,
    uid: 0,
    gid: 0,
    user: users?.[fx] || 'root',
    group: groups?.[fx] || 'root',
    size: isLink ? Buffer.byteLength(links?.[fx] ?? '') : hasContent ? sizes[fx] ?? 0 : 0,
    nlink,
    ino: inodes?.[fx] ?? fx + 1,
    mtime: mtimes?.[fx] ?? 0,
    rdevMajor: (rdev >> 8) & 0xfff,
    rdevMinor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
  };
}

/** The compressed payload and its decoding, when small enough to decode in one piece here. */
async function decodeWhole(path: string, offset: number, fileSize: number, kind: Compression, size: number): Promise<{ compressed: Buffer; plain: Buffer } | undefined> {
  const n = fileSize - offset;
  if (!canDecompressWhole(kind, n, size)) return undefined;
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  let compressed: Buffer;
  try {
    compressed = Buffer.allocUnsafe(n);
    const { bytesRead } = await fh.read(compressed, 0, n, offset);
    if (bytesRead !== n) return undefined; // changed under us: the stream path reports it
  } finally {
    await fh.close();
  }
  const plain = await decompressWhole(kind, compressed, size);
  return plain && { compressed, plain };
}

async function readFirstBytes(path: string, offset: number, fileSize: number): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const n = Math.max(0, Math.min(8, fileSize - offset));
    const b = Buffer.alloc(n);
    if (n) await fh.read(b, 0, n, offset);
    return b;
  } finally {
    await fh.close();
  }
}

/** A body that pulls its bytes from the shared reader on demand, one read in flight at most. */
class BodyStream extends Readable {
  private remaining: number;
  private inflight: Promise<void> | undefined;
  private failed: Error | undefined;

  constructor(
    private readonly reader: ByteReader,
    size: number,
    private readonly what: string,
  ) {
    super({ highWaterMark: BODY_CHUNK });
    this.remaining = size;
    if (size === 0) this.push(null);
  }

  override _read(): void {
    if (this.inflight || this.remaining === 0) return;
    this.inflight = this.reader.take(Math.min(this.remaining, BODY_CHUNK), this.what).then(
      (b) => {
        this.remaining -= b.length;
        this.inflight = undefined;
        // A slice of the decompressor's chunk: those are fresh buffers, never reused.
        this.push(b);
        if (this.remaining === 0) this.push(null);
      },
      (e: Error) => {
        this.inflight = undefined;
        this.failed = e;
        this.destroy(e);
      },
    );
  }

  /** Skip whatever the consumer left unread; rethrows a payload error. */
  async drain(): Promise<void> {
    if (this.inflight) await this.inflight;
    if (this.failed) throw this.failed;
    if (this.remaining > 0) {
      const n = this.remaining;
      this.remaining = 0;
      await this.reader.skip(n, this.what);
    }
    if (!this.readableEnded && !this.destroyed) this.destroy();
  }
}

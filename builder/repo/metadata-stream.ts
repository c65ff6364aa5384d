// Reading one metadata file: open it through the opener, hash the stored bytes while
// streaming, pick the decompressor from its first bytes (names lie) and hand the
// decompressed bytes to a sink (the XML scanner, which decodes only what it keeps, or a
// YAML collector). At the end the checksum
// must match repomd.xml; when decompression or parsing fails first, the file is hashed
// again so that corruption is reported as a checksum error rather than as a zlib or XML
// message. Owns error mapping to RepoMetadataError; knows nothing about XML elements.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { decompressStream, detectCompression, type Compression } from '../compress/index.js';
import { isErrno } from '../errors.js';
import { hasherFor } from './checksum.js';
import { RepoMetadataError, XmlSyntaxError } from './errors.js';
import type { MetadataOpener } from './types.js';

export interface MetadataFile {
  repo: string;
  open: MetadataOpener;
  href: string;
  /** "<algo>:<hex>" of the stored bytes; unverified when absent. */
  checksum?: string;
  size?: number;
  signal?: AbortSignal;
}

/** By magic bytes (a mislabelled file still reads), else plain text, else unknown. */
export function detectMetadataCompression(head: Uint8Array): Compression | undefined {
  return detectCompression(head) ?? (looksLikeText(head) ? 'none' : undefined);
}

function looksLikeText(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  // "<" for XML; "---" or "document:" for modules.yaml.
  return i < head.length && (head[i] === 0x3c || head[i] === 0x2d || head[i] === 0x64);
}

async function openFile(file: MetadataFile): Promise<NodeJS.ReadableStream> {
  try {
    return await file.open(file.href);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new RepoMetadataError('E_METADATA_MISSING', file.repo, file.href, 'file not found', { cause: err });
    throw err;
  }
}

/** Hash the whole stored file (the slow path, after a failure). */
async function hashFile(file: MetadataFile): Promise<{ hex: string; size: number }> {
  const h = hasherFor(file.checksum!);
  let size = 0;
  for await (const c of (await openFile(file)) as AsyncIterable<Buffer>) {
    h.update(c);
    size += c.length;
  }
  return { hex: h.digest('hex'), size };
}

function checksumError(file: MetadataFile, actualHex: string, size: number, cause?: unknown): RepoMetadataError {
  const algo = file.checksum!.slice(0, file.checksum!.indexOf(':'));
  const sizeNote = file.size !== undefined && file.size !== size ? ` (size ${size}, repomd.xml says ${file.size}: truncated or replaced?)` : '';
  return new RepoMetadataError('E_METADATA_CHECKSUM', file.repo, file.href, `checksum mismatch: expected ${file.checksum}, got ${algo}:${actualHex}${sizeNote}`, {
    cause,
    hint: 'the mirror may be out of sync or the download corrupt; refresh the metadata or try another mirror',
  });
}

/**
 * Stream a metadata file's decompressed bytes into `sink`, then call `done` (which may
 * throw a syntax error, e.g. on a truncated document). Returns the stored size. A sink
 * that returns a promise holds the stream until it settles (backpressure).
 */
export async function readMetadata(file: MetadataFile, sink: (chunk: Buffer) => void | Promise<void>, done: () => void | Promise<void>): Promise<{ size: number }> {
  const raw = (await openFile(file)) as AsyncIterable<Buffer> & NodeJS.ReadableStream;
  const iter = raw[Symbol.asyncIterator]();
  const first = await iter.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const kind = detectMetadataCompression(head);
  if (!kind) {
    (raw as unknown as Readable).destroy?.();
    throw new RepoMetadataError('E_METADATA_COMPRESSION', file.repo, file.href, `unknown compression (first bytes ${head.subarray(0, 6).toString('hex')})`, {
      hint: 'expected gzip, xz, bzip2, zstd or plain XML/YAML',
    });
  }
  const hash = file.checksum ? hasherFor(file.checksum) : undefined;
  let size = 0;
  async function* stored(): AsyncGenerator<Buffer> {
    if (first.done) return;
    hash?.update(head);
    size += head.length;
    yield head;
    for (let r = await iter.next(); !r.done; r = await iter.next()) {
      hash?.update(r.value);
      size += r.value.length;
      yield r.value;
    }
  }
  // The sink's own error (an XML syntax error): pipeline() may report the AbortError of
  // the streams it then tears down instead (seen with a multi-chunk gzip input).
  let sinkError: unknown;
  async function consume(source: AsyncIterable<Buffer>): Promise<void> {
    try {
      for await (const chunk of source) {
        const wait = sink(chunk);
        if (wait) await wait;
      }
      await done();
    } catch (err) {
      sinkError ??= err;
      throw err;
    }
  }
  // gzip (most primaries): 1 MiB output chunks. The stage's default 128 KiB (sized for
  // RPM payloads) cost twice the CPU on CS9 AppStream's 52 MB primary, per-chunk overhead.
  const unpack = kind === 'none' ? undefined : kind === 'gzip' ? createGunzip({ chunkSize: 1 << 20 }) : decompressStream(kind, { signal: file.signal });
  try {
    if (unpack) await pipeline(Readable.from(stored()), unpack, consume, { signal: file.signal });
    else await pipeline(Readable.from(stored()), consume, { signal: file.signal });
  } catch (thrown) {
    const err = sinkError ?? thrown;
    if (isErrno(err, 'ABORT_ERR') || err instanceof RepoMetadataError || file.signal?.aborted) throw err;
    // Corruption shows up as a zlib or XML error before the end: blame the checksum if it is wrong.
    if (file.checksum) {
      const actual = await hashFile(file);
      if (`${file.checksum.slice(0, file.checksum.indexOf(':'))}:${actual.hex}` !== file.checksum) throw checksumError(file, actual.hex, actual.size, err);
    }
    if (err instanceof XmlSyntaxError) {
      throw new RepoMetadataError(err.truncated ? 'E_METADATA_TRUNCATED' : 'E_METADATA_MALFORMED', file.repo, file.href, err.message, { cause: err });
    }
    const msg = (err as Error).message ?? String(err);
    if (unpack) {
      const truncated = /unexpected end|truncated|premature|compressed data is corrupt|end of input/i.test(msg) && !/format not recognized/i.test(msg);
      throw new RepoMetadataError(truncated ? 'E_METADATA_TRUNCATED' : 'E_METADATA_MALFORMED', file.repo, file.href, `${kind} data is ${truncated ? 'truncated' : 'corrupt'}: ${msg}`, { cause: err });
    }
    throw err;
  }
  if (hash) {
    const hex = hash.digest('hex');
    if (`${file.checksum!.slice(0, file.checksum!.indexOf(':'))}:${hex}` !== file.checksum) throw checksumError(file, hex, size);
  }
  return { size };
}

// Decompression as streams, for RPM payloads and repository metadata (.gz/.bz2/.xz/.zst).
// Owns: recognising a compressor from magic bytes or rpm's PAYLOADCOMPRESSOR name, and the
// choice of decoder per format. Does not own: what is inside (cpio, XML).
//
// Decoder choice, measured by test/bench/compress.bench.ts (48 MiB of /usr files, Node 20,
// 2 shared cores under load, so ratios matter more than MB/s):
//   gzip : node zlib 121 MB/s; `gzip -dc` through a pipe 1.33x slower        -> zlib
//   zstd : `zstd -dc` 206 MB/s; fzstd (pure JS) 26x slower                    -> CLI
//   xz   : `xz -dc` 55 MB/s; @napi-rs/lzma 3.8x slower (and whole-buffer only,
//          no streaming); xz-decompress (wasm) 5x slower                       -> CLI
//   bzip2: `bzip2 -dc` 5 MB/s; unbzip2-stream (pure JS) 3.2x slower           -> CLI
// zstd-napi (native zstd) cannot be installed offline (prebuild-install downloads its
// binary), and Node 20's zlib has no zstd. A CLI also decompresses on the second core while
// we parse cpio on the first. CLIs run through kernel/pipe.ts (only kernel/ spawns).
//
// Small zstd payloads are the exception (decompressWhole): a child costs a fork of this
// whole process plus an exec, ~5 ms of CPU before the first byte, which for a package of a
// few hundred KiB is far more than decoding it. zstddec (zstd's own decoder built to WASM)
// decodes the 212 payloads of the RHEL 6 @core stub closure (76 MB out) in ~0.1-0.2 s of CPU,
// where 212 `zstd -dc` children cost ~2 s (forks, execs, pipes); on one 60 MB stream it is
// ~2x slower than the CLI (150-230 vs 380 MB/s of CPU), so big payloads keep streaming
// through the CLI (break-even is ~2 MB of output).
import { createGunzip } from 'node:zlib';
import { PassThrough, type Duplex } from 'node:stream';
import { spawnPipe } from '../../kernel/pipe.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'lzma' | 'zstd';
export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'bzip2', 'xz', 'lzma', 'zstd'];

export interface DecompressOptions {
  signal?: AbortSignal;
}

/** A stream that takes compressed bytes in and gives plain bytes out; errors on corrupt input. */
export function decompressStream(kind: Compression, opts: DecompressOptions = {}): Duplex {
  switch (kind) {
    case 'none':
      return new PassThrough({ highWaterMark: 256 * 1024 });
    case 'gzip':
      // Multi-member gzip is read through, as gzip(1) and rpm do.
      return createGunzip({ chunkSize: 128 * 1024 });
    case 'bzip2':
      return spawnPipe(['bzip2', '-dc'], { signal: opts.signal });
    case 'xz':
      return spawnPipe(['xz', '-dc', '--format=xz'], { signal: opts.signal });
    case 'lzma':
      return spawnPipe(['xz', '-dc', '--format=lzma'], { signal: opts.signal });
    case 'zstd':
      return spawnPipe(['zstd', '-dcq'], { signal: opts.signal });
    default:
      throw new TypeError(`decompressStream: unknown compression ${String(kind)}`);
  }
}

/** Largest output decompressWhole produces (and so holds in memory at once). */
export const WHOLE_MAX = 4 << 20;

interface WasmZstd {
  init(): Promise<void>;
  decode(data: Uint8Array, size: number): Uint8Array;
}
let wasmZstd: Promise<WasmZstd | undefined> | undefined;

function loadWasmZstd(): Promise<WasmZstd | undefined> {
  return (wasmZstd ??= (async () => {
    // A variable specifier: the bundle leaves it to node_modules, and a checkout whose
    // node_modules predates the dependency still builds and runs (through the CLI).
    const name = 'zstddec';
    try {
      const m = (await import(name)) as { ZSTDDecoder: new () => WasmZstd };
      const d = new m.ZSTDDecoder();
      await d.init();
      return d;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw e;
    }
  })());
}

/** Whether decompressWhole may take input of this kind and these sizes (before reading it). */
export function canDecompressWhole(kind: Compression, compressedSize: number, size: number): boolean {
  return kind === 'zstd' && size > 0 && size <= WHOLE_MAX && compressedSize <= WHOLE_MAX;
}

/**
 * All of `data` decompressed in this thread, when that is cheaper than a child process
 * (zstd output of at most WHOLE_MAX bytes, `size` known from the package header).
 * Undefined when it does not apply, or when the output is not exactly `size` bytes (corrupt
 * or mislabelled input): the caller then streams through decompressStream, which reports
 * precisely what is wrong.
 */
export async function decompressWhole(kind: Compression, data: Uint8Array, size: number): Promise<Buffer | undefined> {
  if (!canDecompressWhole(kind, data.byteLength, size)) return undefined;
  const d = await loadWasmZstd();
  if (!d) return undefined;
  // zstddec reports a decoding error as a short (usually empty) result.
  const out = d.decode(data, size);
  return out.byteLength === size ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : undefined;
}

/**
 * The compression of a stream from its first bytes (give at least 6). `undefined` when no
 * known magic matches; plain data (e.g. a cpio archive or XML) is reported as undefined too,
 * so callers decide whether "none" is acceptable.
 */
export function detectCompression(first: Uint8Array): Compression | undefined {
  const b = first;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) return 'xz';
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd';
  // .lzma (LZMA_Alone) has no magic: a properties byte (lc/lp/pb, < 225), then a 32-bit
  // little-endian dictionary size; rpm's and xz's encoders use 0x5d and a power-of-two-ish size.
  if (b.length >= 5 && b[0] === 0x5d && b[1] === 0x00 && b[2] === 0x00) return 'lzma';
  return undefined;
}

/** rpm's PAYLOADCOMPRESSOR tag value → Compression (absent tag means gzip, as rpm assumes). */
export function compressionFromRpmName(name: string | undefined): Compression | undefined {
  switch (name ?? 'gzip') {
    case 'gzip':
      return 'gzip';
    case 'bzip2':
      return 'bzip2';
    case 'xz':
      return 'xz';
    case 'lzma':
      return 'lzma';
    case 'zstd':
      return 'zstd';
    case 'identity':
    case 'none':
      return 'none';
    default:
      return undefined;
  }
}

/** The extension a metadata file of this compression carries (repomd hrefs). */
export function compressionFromFileName(name: string): Compression {
  if (name.endsWith('.gz')) return 'gzip';
  if (name.endsWith('.bz2')) return 'bzip2';
  if (name.endsWith('.xz')) return 'xz';
  if (name.endsWith('.lzma')) return 'lzma';
  if (name.endsWith('.zst')) return 'zstd';
  return 'none';
}

export { compressStream, compressBuffer, type CompressOptions } from './compress.js';

// Compression, the other direction: for the RPM writer (test and benchmark packages) and
// anything else that produces .gz/.xz/.zst files. gzip in-process (zlib); the others through
// their CLIs via kernel/pipe.ts, like decompression (see index.ts for why).
import { Readable, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { spawnPipe } from '../../kernel/pipe.js';
import type { Compression } from './index.js';

export interface CompressOptions {
  /** Compressor level (gzip/bzip2 1-9, xz/lzma 0-9, zstd 1-19); defaults are each tool's. */
  level?: number;
  signal?: AbortSignal;
}

export function compressStream(kind: Compression, opts: CompressOptions = {}): Duplex {
  const lvl = opts.level;
  switch (kind) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      return createGzip({ level: lvl ?? constants.Z_DEFAULT_COMPRESSION });
    case 'bzip2':
      return spawnPipe(['bzip2', '-c', `-${lvl ?? 9}`], { signal: opts.signal });
    case 'xz':
      return spawnPipe(['xz', '-c', '-T1', `-${lvl ?? 6}`], { signal: opts.signal });
    case 'lzma':
      return spawnPipe(['xz', '-c', '--format=lzma', `-${lvl ?? 6}`], { signal: opts.signal });
    case 'zstd':
      return spawnPipe(['zstd', '-c', '-q', `-${lvl ?? 3}`], { signal: opts.signal });
    default:
      throw new TypeError(`compressStream: unknown compression ${String(kind)}`);
  }
}

/** Compress a buffer whole (small inputs: test packages, metadata fixtures). */
export async function compressBuffer(kind: Compression, data: Buffer, opts: CompressOptions = {}): Promise<Buffer> {
  if (kind === 'none') return data;
  if (kind === 'gzip') return gzipSync(data, { level: opts.level ?? constants.Z_DEFAULT_COMPRESSION });
  const out: Buffer[] = [];
  await pipeline(Readable.from([data]), compressStream(kind, opts), new Writable({ write: (b: Buffer, _e, cb) => (out.push(b), cb()) }));
  return Buffer.concat(out);
}

// Compressor argv per format: the CLIs, multi-threaded where they can be (2 cores), with
// options that keep output deterministic (gzip -n: no name or timestamp in the header).
// Run through kernel/pipe.ts, the one place that spawns streaming filters.
import { which } from '../../kernel/exec.js';
import { PackError } from './errors.js';
import type { PackFormat } from './types.js';

/**
 * Each compressor's own default level (what `tar --zstd`, `tar -J`, `tar -z` and mkosi write).
 * zstd -12 was 5% smaller on the RHEL 6 @core template but cost 4-5× the CPU of -3 — more
 * than the whole rest of the pack (pack.bench.ts); callers wanting smaller caches pass levels.
 */
export const DEFAULT_LEVELS = { 'tar.zst': 3, 'tar.xz': 6, 'tar.gz': 6 } as const;

let pigz: Promise<string | undefined> | undefined;

const LEVEL_RANGE = { 'tar.zst': [1, 19], 'tar.xz': [0, 9], 'tar.gz': [1, 9] } as const;

/** `tarSize`, when known, goes into the zstd frame header, so readers (`zstd -l`, deploy's
 * free-space check, vzctl's) learn the unpacked size without decompressing. */
export async function compressorArgv(format: Exclude<PackFormat, 'dir'>, level?: number, tarSize?: number): Promise<string[]> {
  const l = level ?? DEFAULT_LEVELS[format];
  const range = LEVEL_RANGE[format];
  // zstd silently clamps out-of-range levels; say so instead.
  if (!range || !Number.isInteger(l) || l < range[0] || l > range[1]) {
    throw new PackError('E_PACK_FORMAT', `${format}: compression level ${l} is outside ${range?.[0]}..${range?.[1]}`);
  }
  switch (format) {
    case 'tar.zst':
      // Multi-threaded zstd output does not depend on the thread count.
      return ['zstd', '-q', '-c', '-T0', `-${l}`, ...(tarSize !== undefined ? [`--stream-size=${tarSize}`] : [])];
    case 'tar.xz':
      return ['xz', '-q', '-c', '-T0', `-${l}`];
    case 'tar.gz':
      pigz ??= which('pigz');
      return [(await pigz) ? 'pigz' : 'gzip', '-n', '-c', `-${l}`];
    default:
      throw new TypeError(`no compressor for ${String(format)}`);
  }
}

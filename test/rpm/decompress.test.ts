import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { decompressStream, decompressWhole, detectCompression, WHOLE_MAX, type Compression } from '../../builder/compress/index.js';
import { tools } from '../helpers/env.js';

// Half random (incompressible), half repetitive, and big enough to exercise backpressure.
const plain = Buffer.concat([randomBytes(1 << 20), Buffer.alloc(3 << 20, 'vzbuild ')]);
const compressors: Record<Exclude<Compression, 'none'>, string[]> = {
  gzip: ['gzip', '-c'],
  bzip2: ['bzip2', '-c'],
  xz: ['xz', '-c', '-T1'],
  lzma: ['xz', '--format=lzma', '-c'],
  zstd: ['zstd', '-c', '-q'],
};

async function collect(kind: Compression, input: Buffer, chunk = 64 * 1024): Promise<Buffer> {
  const out: Buffer[] = [];
  const chunks = function* () {
    for (let i = 0; i < input.length; i += chunk) yield input.subarray(i, i + chunk);
  };
  await pipeline(Readable.from(chunks()), decompressStream(kind), new Writable({ write: (b, _e, cb) => (out.push(b), cb()) }));
  return Buffer.concat(out);
}

describe.skipIf(!tools('gzip', 'bzip2', 'xz', 'zstd'))('decompressStream', () => {
  for (const [kind, argv] of Object.entries(compressors) as [Exclude<Compression, 'none'>, string[]][]) {
    const packed = execFileSync(argv[0], argv.slice(1), { input: plain, maxBuffer: 64 << 20 });
    it(`${kind}: round-trips and is detected by magic`, async () => {
      expect(detectCompression(packed.subarray(0, 8))).toBe(kind);
      expect((await collect(kind, packed)).equals(plain)).toBe(true);
    });
    it(`${kind}: corrupt input is an error, not a short read`, async () => {
      const bad = Buffer.from(packed);
      bad.fill(0x55, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 64);
      const cut = packed.subarray(0, Math.floor(packed.length / 2));
      await expect(collect(kind, bad)).rejects.toThrow();
      await expect(collect(kind, cut)).rejects.toThrow();
    });
  }
  it('none passes bytes through; plain data has no magic', async () => {
    expect((await collect('none', plain)).equals(plain)).toBe(true);
    expect(detectCompression(Buffer.from('070701'))).toBeUndefined();
  });
  it('a consumer that stops early kills the child, without hanging', async () => {
    const packed = execFileSync('xz', ['-c', '-T1'], { input: plain, maxBuffer: 64 << 20 });
    const d = decompressStream('xz');
    Readable.from([packed]).pipe(d);
    for await (const b of d) {
      expect(b.length).toBeGreaterThan(0);
      break;
    }
    expect(d.destroyed).toBe(true);
  });
});

// A worktree whose node_modules predates the zstddec dependency falls back to the CLI (and
// skips the first test); CI installs it (npm ci) and must run it.
const wasmInstalled = await import(['zstddec'][0]).then(
  () => true,
  () => false,
);

describe.skipIf(!tools('zstd'))('decompressWhole (in-process zstd for small payloads)', () => {
  const small = plain.subarray(0, 3 << 20);
  const packed = execFileSync('zstd', ['-c', '-q', '-19'], { input: small, maxBuffer: 64 << 20 });
  it.skipIf(!wasmInstalled && process.env.CI !== 'true')('gives exactly the bytes the zstd CLI gives', async () => {
    expect((await decompressWhole('zstd', packed, small.length))?.equals(small)).toBe(true);
    // Concatenated frames, as zstd -dc reads them.
    const part = small.subarray(0, 1 << 20);
    const frame = execFileSync('zstd', ['-c', '-q'], { input: part, maxBuffer: 64 << 20 });
    expect((await decompressWhole('zstd', Buffer.concat([frame, frame]), 2 * part.length))?.equals(Buffer.concat([part, part]))).toBe(true);
  });
  it('declines (undefined: the caller streams) on corrupt input, a wrong size, big outputs or other formats', async () => {
    const bad = Buffer.from(packed);
    bad.fill(0x55, Math.floor(bad.length / 2), Math.floor(bad.length / 2) + 64);
    expect(await decompressWhole('zstd', bad, small.length)).toBeUndefined();
    expect(await decompressWhole('zstd', packed.subarray(0, packed.length >> 1), small.length)).toBeUndefined();
    expect(await decompressWhole('zstd', packed, small.length - 1)).toBeUndefined(); // grows past the header's size
    expect(await decompressWhole('zstd', packed, small.length + 1)).toBeUndefined(); // ends early
    expect(await decompressWhole('zstd', packed, WHOLE_MAX + 1)).toBeUndefined();
    expect(await decompressWhole('xz', packed, small.length)).toBeUndefined();
  });
});

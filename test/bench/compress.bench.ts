// Decompressor choice for payloads and metadata, measured: node's zlib vs the CLIs (through
// kernel/pipe.ts, as builder/compress uses them) vs npm decoders (pure JS / wasm / napi).
// npm candidates are not project dependencies: install them somewhere and point
// BENCH_NPM_DIR at that node_modules (e.g. `npm i fzstd xz-decompress unbzip2-stream @napi-rs/lzma`
// in /tmp/cbench, then BENCH_NPM_DIR=/tmp/cbench/node_modules). Missing ones are reported.
// Input: ~48 MiB of real files from /usr (binaries and text), compressed by each CLI.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { spawnPipe } from '../../kernel/pipe.js';

const TARGET = 48 << 20;

function corpus(): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return; // unreadable directory: skip it
    }
    for (const name of names) {
      if (n >= TARGET) return;
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // dangling symlink
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 8 << 20) {
        const b = readFileSync(p);
        parts.push(b);
        n += b.length;
      }
    }
  };
  walk('/usr/lib/x86_64-linux-gnu');
  walk('/usr/share/doc');
  return Buffer.concat(parts).subarray(0, TARGET);
}

async function timeStream(make: () => NodeJS.ReadWriteStream, input: Buffer): Promise<number> {
  const t0 = performance.now();
  let out = 0;
  await pipeline(Readable.from([input]), make(), new Writable({ write: (b: Buffer, _e, cb) => ((out += b.length), cb()) }));
  const ms = performance.now() - t0;
  if (out !== TARGET) throw new Error(`decoded ${out} bytes, expected ${TARGET}`);
  return ms;
}

async function best(fn: () => Promise<number>, runs = 3): Promise<number> {
  let m = Infinity;
  for (let i = 0; i < runs; i++) m = Math.min(m, await fn());
  return m;
}

const npmDir = process.env.BENCH_NPM_DIR;
const req = npmDir ? createRequire(join(npmDir, 'noop.js')) : undefined;
function optional<T>(name: string): T | undefined {
  try {
    return req?.(name) as T;
  } catch {
    return undefined; // not installed in BENCH_NPM_DIR
  }
}

const data = corpus();
const packed = {
  gzip: execFileSync('gzip', ['-c', '-6'], { input: data, maxBuffer: 1 << 30 }),
  zstd: execFileSync('zstd', ['-c', '-q', '-19', '-T2'], { input: data, maxBuffer: 1 << 30 }),
  xz: execFileSync('xz', ['-c', '-6', '-T1'], { input: data, maxBuffer: 1 << 30 }),
  bzip2: execFileSync('bzip2', ['-c', '-9'], { input: data, maxBuffer: 1 << 30 }),
};
const mbps = (ms: number) => ((TARGET / (1 << 20)) / (ms / 1000)).toFixed(0).padStart(5) + ' MB/s';
const rows: [string, string, number | undefined][] = [];

rows.push(['gzip', 'node zlib (in-process)', await best(() => timeStream(() => createGunzip(), packed.gzip))]);
rows.push(['gzip', 'gzip -dc (CLI pipe)', await best(() => timeStream(() => spawnPipe(['gzip', '-dc']), packed.gzip))]);
rows.push(['zstd', 'zstd -dc (CLI pipe)', await best(() => timeStream(() => spawnPipe(['zstd', '-dcq']), packed.zstd))]);
const fzstd = optional<{ decompress: (b: Uint8Array) => Uint8Array }>('fzstd');
rows.push([
  'zstd',
  'fzstd (pure JS, whole buffer)',
  fzstd &&
    (await best(async () => {
      const t0 = performance.now();
      fzstd.decompress(packed.zstd);
      return performance.now() - t0;
    })),
]);
rows.push(['xz', 'xz -dc (CLI pipe)', await best(() => timeStream(() => spawnPipe(['xz', '-dc']), packed.xz))]);
const xzd = optional<{ XzReadableStream: new (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> }>('xz-decompress');
rows.push([
  'xz',
  'xz-decompress (wasm, streaming)',
  xzd &&
    (await best(async () => {
      const t0 = performance.now();
      const s = new xzd.XzReadableStream(new Blob([packed.xz]).stream() as ReadableStream<Uint8Array>);
      let n = 0;
      for await (const c of s as unknown as AsyncIterable<Uint8Array>) n += c.length;
      if (n !== TARGET) throw new Error('xz-decompress: short');
      return performance.now() - t0;
    }, 1)),
]);
const napiLzma = optional<{ xz: { decompress: (b: Buffer) => Promise<Buffer> } }>('@napi-rs/lzma');
rows.push([
  'xz',
  '@napi-rs/lzma (napi, whole buffer only)',
  napiLzma &&
    (await best(async () => {
      const t0 = performance.now();
      await napiLzma.xz.decompress(packed.xz);
      return performance.now() - t0;
    })),
]);
rows.push(['bzip2', 'bzip2 -dc (CLI pipe)', await best(() => timeStream(() => spawnPipe(['bzip2', '-dc']), packed.bzip2))]);
const unbz = optional<() => NodeJS.ReadWriteStream>('unbzip2-stream');
rows.push(['bzip2', 'unbzip2-stream (pure JS, streaming)', unbz && (await best(() => timeStream(() => unbz(), packed.bzip2), 1))]);

console.log(`decompressing ${(TARGET / (1 << 20)).toFixed(0)} MiB of /usr files (best of runs; node ${process.version})`);
for (const fmt of ['gzip', 'zstd', 'xz', 'bzip2']) {
  const mine = rows.filter((r) => r[0] === fmt);
  const ref = mine[0][2]!;
  for (const [, name, ms] of mine) {
    console.log(`${fmt.padEnd(6)} ${name.padEnd(42)} ${ms === undefined ? '  (not installed)' : `${mbps(ms)}  ${(ms / ref).toFixed(2)}x time of ${mine[0][1]}`}`);
  }
}

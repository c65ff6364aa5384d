// RPM reader benchmarks, side by side with the real tools on the same packages:
//  1. header-only read rate (lead + signature + main header, digests checked) vs `rpm -qp`;
//  2. full payload throughput, listing (decode + cpio parse) and extraction to disk, vs
//     `rpm2cpio | cpio -t` and `rpm2cpio | cpio -idm`;
//  3. peak RSS of each (every measurement runs in its own process).
// Packages: every fixture RPM, plus large ones our writer builds from real /usr files
// (BENCH_MB, default 96 MiB uncompressed) in zstd, xz and gzip. Run: npm run bench -- rpm
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRpm, type FileDesc } from '../../builder/rpm/writer.js';
import { FIXTURES } from '../helpers/env.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MB = Number(process.env.BENCH_MB ?? 96);
const work = mkdtempSync(join(tmpdir(), 'vzbuild-rpm-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function findRpms(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.rpm'))
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
    .sort();
}

interface Run {
  ms: number;
  maxRssKiB: number;
  /** vzbuild only: peak RSS growth during the operation (sampled every 10 ms). */
  growthKiB?: number;
}

function ours(mode: string, ...args: string[]): Run & { n: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'rpm-worker.ts'), mode, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`worker ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** A shell pipeline under GNU time: wall ms and the peak RSS of its biggest process. */
function peer(script: string, cwd = work): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'sh', '-c', script], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`peer failed: ${script}: ${r.stderr}`);
  const [e, m] = r.stderr.trim().split('\n').pop()!.split(' ');
  return { ms: Number(e) * 1000, maxRssKiB: Number(m) };
}

function corpusFiles(limit: number): FileDesc[] {
  const out: FileDesc[] = [];
  let n = 0;
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (n >= limit) return;
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) {
        const st = statSync(p);
        if (st.size > 16 << 20) continue;
        out.push({ path: '/bench' + p, content: readFileSync(p), mode: st.mode & 0o777 });
        n += st.size;
      }
    }
  };
  walk('/usr/lib/x86_64-linux-gnu');
  walk('/usr/share');
  return out;
}

const mib = (b: number) => b / (1 << 20);
const fmtRun = (r: Run, bytes: number) =>
  `${(mib(bytes) / (r.ms / 1000)).toFixed(1).padStart(7)} MB/s ${r.ms.toFixed(0).padStart(6)} ms  ${(r.maxRssKiB / 1024).toFixed(0).padStart(4)} MiB peak RSS` +
  (r.growthKiB !== undefined ? ` (+${(r.growthKiB / 1024).toFixed(0)} MiB over start)` : '');

// --- packages -----------------------------------------------------------------------
const fixtures = findRpms(FIXTURES);
const files = corpusFiles(MB << 20);
const big: string[] = [];
for (const compression of ['zstd', 'xz', 'gzip'] as const) {
  const p = join(work, `big-${compression}.rpm`);
  const t0 = performance.now();
  // xz at level 3: level 6 takes minutes on a shared 2-core box, and decoding speed barely differs.
  await writeRpm({ name: `big-${compression}`, version: '1', release: '1', arch: 'x86_64', compression, compressionLevel: compression === 'xz' ? 3 : undefined, files }, p);
  console.log(`wrote ${p} (${files.length} files, ${mib(statSync(p).size).toFixed(1)} MiB, ${(performance.now() - t0).toFixed(0)} ms)`);
  big.push(p);
}

const baseline = ours('noop');
console.log(`baseline peak RSS of a vzbuild worker that reads nothing (node + tsx loader): ${(baseline.maxRssKiB / 1024).toFixed(0)} MiB`);

// --- 1. header-only reads -----------------------------------------------------------
{
  const REPEAT = 20;
  const list = Array.from({ length: REPEAT }, () => fixtures).flat();
  const a = ours('headers', ...list);
  const b = peer(`rpm -qp --qf '%{NAME}\\n' ${list.map((f) => `'${f}'`).join(' ')} >/dev/null 2>&1`);
  console.log(`\n1. header-only read of ${list.length} packages (${fixtures.length} fixtures x ${REPEAT}), digests checked`);
  console.log(`   vzbuild readRpmHeaders : ${(list.length / (a.ms / 1000)).toFixed(0).padStart(6)} pkg/s  ${(a.maxRssKiB / 1024).toFixed(0)} MiB peak RSS (+${((a.growthKiB ?? 0) / 1024).toFixed(0)} MiB over start)`);
  console.log(`   rpm -qp --qf           : ${(list.length / (b.ms / 1000)).toFixed(0).padStart(6)} pkg/s  ${(b.maxRssKiB / 1024).toFixed(0)} MiB RSS`);
  console.log(`   ratio                  : vzbuild is ${(b.ms / a.ms).toFixed(2)}x rpm's speed (includes ~node startup)`);
}

// --- 2./3. payloads -----------------------------------------------------------------
const pick = [...big, ...fixtures.filter((f) => /nodejs010-runtime|autofs|python3-power/.test(f))];
console.log(`\n2. payload throughput (MB/s of uncompressed cpio), wall time, peak RSS`);
for (const rpm of pick) {
  const archive = Number(execFileSync('sh', ['-c', 'rpm2cpio "$1" | wc -c', 'sh', rpm], { encoding: 'utf8' }).trim());
  const name = rpm.split('/').pop();
  console.log(`\n  ${name}: ${mib(archive).toFixed(1)} MiB cpio, ${mib(statSync(rpm).size).toFixed(1)} MiB file`);
  const la = ours('list', rpm);
  const lb = peer(`rpm2cpio '${rpm}' | cpio -it --quiet >/dev/null`);
  console.log(`   list    vzbuild          ${fmtRun(la, archive)}`);
  console.log(`   list    rpm2cpio|cpio -t ${fmtRun(lb, archive)}   ratio ${(lb.ms / la.ms).toFixed(2)}x`);
  const d1 = mkdtempSync(join(work, 'x-'));
  const d2 = mkdtempSync(join(work, 'y-'));
  const ea = ours('extract', rpm, d1);
  const eb = peer(`rpm2cpio '${rpm}' | cpio -idm --quiet`, d2);
  console.log(`   extract vzbuild          ${fmtRun(ea, archive)}`);
  console.log(`   extract rpm2cpio|cpio -i ${fmtRun(eb, archive)}   ratio ${(eb.ms / ea.ms).toFixed(2)}x`);
  rmSync(d1, { recursive: true, force: true });
  rmSync(d2, { recursive: true, force: true });
}
console.log('\nratio = peer time / vzbuild time (>1: vzbuild faster). Both sides check nothing extra: rpm2cpio skips digests, vzbuild verifies them.');

// --- 4. writer speed (test repositories need thousands of packages) ------------------
{
  const dir = mkdtempSync(join(work, 'w-'));
  const N = 1000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await writeRpm(
      {
        name: `pkg${i}`,
        version: `1.${i}`,
        release: '1',
        arch: 'x86_64',
        requires: i ? [`pkg${i - 1} >= 1.${i - 1}`, '(a or b)'] : [],
        files: [
          { path: `/usr/share/pkg${i}`, type: 'dir' },
          { path: `/usr/share/pkg${i}/data`, content: `data ${i}\n`.repeat(50) },
          { path: `/usr/bin/pkg${i}`, content: '#!/bin/sh\necho hi\n', mode: 0o755 },
        ],
        scripts: { post: 'echo installed' },
      },
      join(dir, `pkg${i}.rpm`),
    );
  }
  const ms = performance.now() - t0;
  console.log(`\n4. writer: ${N} small gzip packages in ${ms.toFixed(0)} ms (${((N / ms) * 1000).toFixed(0)} pkg/s, sequential)`);
}

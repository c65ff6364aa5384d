// Benchmark: deploy 20 containers from one template cache, per private-area mode (copy,
// overlay, hardlink), against the peer every mode replaces: `tar -xf` of the cache (what
// vzctl's vps-create runs per container). Reports creation time per CT and disk added per
// CT (du -x of the container area: each inode once, overlay mounts not entered, the
// shared tree reported apart),
// with ratios. The template is a busybox root plus real Python and Perl library trees
// (~80 MB, ~2,000 files) packed as .tar.gz. Needs root (overlay mounts, chattr).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../builder/context.js';
import { createCt, destroyCt, listCts, type CtEnv } from '../../kernel/ct/index.js';
import type { PrivateMode } from '../../kernel/ct/record.js';
import { tempDir } from '../helpers/env.js';
import { makeBusyboxTemplate } from '../kernel/busybox-template.js';

const N = Number(process.env.BENCH_CTS ?? 20);
const tmp = tempDir('vzbuild-bench-deploy-');
const duKiB = (p: string) => (existsSync(p) ? Number(execFileSync('du', ['-skx', p], { encoding: 'utf8' }).split('\t')[0]) : 0);

const cache = makeBusyboxTemplate(tmp.path, 'bench.tar.gz', (root) => {
  for (const src of ['/usr/lib/python3.11', '/usr/share/perl']) if (existsSync(src)) cpSync(src, join(root, src), { recursive: true, verbatimSymlinks: true });
});
const files = Number(execFileSync('sh', ['-c', `tar -tzf ${cache} | wc -l`], { encoding: 'utf8' }).trim());
console.log(`template ${cache}: ${(duKiB(cache) / 1024).toFixed(1)} MiB compressed, ${files} entries; ${N} containers per mode\n`);

// Peer: tar -xf of the cache, N times (what vzctl create does per CT).
const tarDir = join(tmp.path, 'tar');
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  execFileSync('mkdir', ['-p', join(tarDir, String(i))]);
  execFileSync('tar', ['--numeric-owner', '-xpf', cache, '-C', join(tarDir, String(i))]);
}
const tarMs = (performance.now() - t0) / N;
const tarKiB = duKiB(tarDir) / N;
execFileSync('rm', ['-rf', tarDir]);

interface Row { mode: string; msPerCt: number; firstMs: number; kibPerCt: number; sharedKiB: number }
const rows: Row[] = [{ mode: 'tar -xf (peer)', msPerCt: tarMs, firstMs: tarMs, kibPerCt: tarKiB, sharedKiB: 0 }];

for (const mode of ['copy', 'overlay', 'hardlink'] as PrivateMode[]) {
  const env: CtEnv = { cacheDir: join(tmp.path, `state-${mode}`), cwd: tmp.path, log: silentLogger };
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    t0 = performance.now();
    await createCt({ ctid: `bench${process.pid}${mode[0]}${i}`, template: cache, host: 'lxc', private: mode }, env);
    times.push(performance.now() - t0);
  }
  const area = join(env.cacheDir, 'containers');
  const total = duKiB(area);
  const shared = duKiB(join(area, '.trees'));
  // du counts a hard-linked inode once, under the first path it meets (.trees sorts first).
  rows.push({ mode, firstMs: times[0], msPerCt: times.slice(1).reduce((a, b) => a + b, 0) / (N - 1), kibPerCt: (total - shared) / N, sharedKiB: shared });
  for (const r of await listCts(env)) await destroyCt(r.ctid, env);
  // The hardlink tree's shared files are immutable by design; lift that so the bench can clean up.
  if (mode === 'hardlink') execFileSync('find', [join(area, '.trees'), '-type', 'f', '-exec', 'chattr', '-i', '{}', '+']);
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`${'mode'.padEnd(16)}${pad('first CT ms', 12)}${pad('ms/CT', 9)}${pad('time ×tar', 11)}${pad('KiB/CT', 10)}${pad('disk ×tar', 11)}${pad('shared KiB', 12)}`);
for (const r of rows)
  console.log(`${r.mode.padEnd(16)}${pad(r.firstMs.toFixed(0), 12)}${pad(r.msPerCt.toFixed(1), 9)}${pad((r.msPerCt / tarMs).toFixed(3), 11)}${pad(r.kibPerCt.toFixed(0), 10)}${pad((r.kibPerCt / tarKiB).toFixed(3), 11)}${pad(r.sharedKiB, 12)}`);
console.log(`\nms/CT excludes the first CT of a sharing mode (it unpacks the shared tree once: "first CT ms").`);
console.log(`targets with sharing: time ≤ 0.1 × tar, disk ≤ 0.05 × tar.  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
tmp.cleanup();

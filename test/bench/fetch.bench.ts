// Benchmark: download the RHEL 6 @core stub repo (288 real RPMs) from a local HTTP server
// with `vzbuild fetch` and with `dnf install --downloadonly`, same repo, same machine.
// Both run as separate processes (startup included), timed with /usr/bin/time for wall
// time and peak RSS. dnf's own metadata load + solve (an --assumeno run) is reported too,
// so its download share can be read off. Warm cache: vzbuild again on the filled cache.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT, tempDir } from '../helpers/env.js';
import { serveRepo } from '../helpers/http-server.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';
import { lockFromRepo } from '../fetch/fixture.js';

interface Timed {
  secs: number;
  rssMiB: number;
  /** vzbuild only: the fetch stage's own time (its --json stats.ms), without process startup. */
  stageSecs?: number;
}

// Asynchronous on purpose: the HTTP server runs in this process and must keep serving.
function run(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function timed(argv: string[], okCodes = [0]): Promise<Timed> {
  const out = join(tmp.path, 'time.out');
  const r = await run(['/usr/bin/time', '-f', '%e %M', '-o', out, ...argv]);
  if (!okCodes.includes(r.code ?? -1)) throw new Error(`${argv.slice(0, 12).join(' ')} ... failed (${r.code}):\n${r.stderr}`);
  const [secs, kb] = execFileSync('tail', ['-1', out], { encoding: 'utf8' }).trim().split(' ').map(Number);
  const stage = r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as { stats: { ms: number } }).stats.ms / 1000 : undefined;
  return { secs, rssMiB: kb / 1024, stageSecs: stage };
}

const tmp = tempDir('vzbuild-bench-fetch-');
const repoDir = rhel6CoreStubRepo();
const server = await serveRepo(repoDir);
try {
  const lock = lockFromRepo(repoDir, server.url, 'r');
  const lockPath = join(tmp.path, 'core.lock.json');
  writeFileSync(lockPath, JSON.stringify(lock));
  const bytes = lock.packages.reduce((n, p) => n + p.size, 0);
  console.log(`repo: ${lock.packages.length} packages, ${(bytes / 1048576).toFixed(1)} MiB, served by node http on ${server.url}`);

  const rounds = Number(process.env.ROUNDS ?? 3);
  const vz: Timed[] = [];
  const warm: Timed[] = [];
  const dnf: Timed[] = [];
  const dnf10: Timed[] = [];
  const dnfSolve: Timed[] = [];
  const names = lock.packages.map((p) => `${p.name}-${p.version}-${p.release}.${p.arch}`);
  const dnfArgs = (root: string, extra: string[]) => [
    'dnf', '-y', '-q', `--installroot=${root}`, '--releasever=6', '--setopt=reposdir=/dev/null', `--repofrompath=r,${server.url}`,
    '--nogpgcheck', '--setopt=install_weak_deps=False', '--setopt=cachedir=' + join(root, 'cache'), ...extra, 'install', ...names,
  ];
  for (let i = 0; i < rounds; i++) {
    const cache = join(tmp.path, `cache-${i}`);
    vz.push(await timed([process.execPath, BIN, '--json', '--cache-dir', cache, 'fetch', lockPath]));
    warm.push(await timed([process.execPath, BIN, '--json', '--cache-dir', cache, 'fetch', lockPath]));
    for (const [list, extra] of [[dnf, []], [dnf10, ['--setopt=max_parallel_downloads=10']]] as const) {
      const root = join(tmp.path, `dnf-${i}`);
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root);
      list.push(await timed(dnfArgs(root, [...extra, '--downloadonly', `--downloaddir=${join(root, 'dl')}`])));
      const got = readdirSync(join(root, 'dl')).filter((n) => n.endsWith('.rpm')).length;
      if (got !== lock.packages.length) throw new Error(`dnf downloaded ${got} of ${lock.packages.length} packages`);
    }
    const root = join(tmp.path, `dnf-solve-${i}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    // --assumeno exits 1 by design ("operation aborted").
    dnfSolve.push(await timed(dnfArgs(root, ['--assumeno']), [0, 1]));
  }
  const med = (xs: Timed[], k: keyof Timed) => [...xs].map((x) => x[k] ?? NaN).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name: string, xs: Timed[]) => {
    const stage = xs[0].stageSecs === undefined ? '' : `   (fetch stage itself ${med(xs, 'stageSecs').toFixed(2)} s)`;
    console.log(`${name.padEnd(48)} ${med(xs, 'secs').toFixed(2).padStart(7)} s   peak RSS ${med(xs, 'rssMiB').toFixed(0).padStart(4)} MiB${stage}`);
  };
  console.log(`\nmedian of ${rounds} rounds (wall time, process startup included):`);
  row('vzbuild fetch (cold cache)', vz);
  row('vzbuild fetch (warm cache)', warm);
  row('dnf --downloadonly (default parallelism 3)', dnf);
  row('dnf --downloadonly (max_parallel_downloads=10)', dnf10);
  row('dnf --assumeno (metadata + solve only)', dnfSolve);
  const v = med(vz, 'secs');
  console.log(`\nratio dnf/vzbuild (cold): ${(med(dnf, 'secs') / v).toFixed(2)}x (default), ${(med(dnf10, 'secs') / v).toFixed(2)}x (parallel 10)`);
  const dl = Math.max(0.01, med(dnf, 'secs') - med(dnfSolve, 'secs'));
  console.log(`dnf download share (downloadonly - assumeno): ~${dl.toFixed(2)} s; ratio to vzbuild cold: ${(dl / v).toFixed(2)}x`);
  console.log(`warm cache: vzbuild ${med(warm, 'secs').toFixed(2)} s wall, fetch stage ${med(warm, 'stageSecs').toFixed(3)} s (${lock.packages.length} cache hits, no request)`);
  console.log(`load average during the run: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores shared with other work)`);
} finally {
  await server.close();
  tmp.cleanup();
}

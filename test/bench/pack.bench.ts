// Benchmark: pack one template root (the RHEL 6 @core stub closure's checkout: ~30k entries,
// ~60 MB) with packTemplate, per output format, against GNU tar doing the same job on the
// same tree: `tar --numeric-owner --xattrs --zstd -cf` (zstd's default level 3), the same
// with our compressor command lines (`-I 'zstd -T0 -12'`, pigz, `xz -T0`), and
// `cp -a` for the plain directory output. Ours runs as its own node process on the
// compiled dist/ (what bin/vzbuild runs; `npm run build` first), so both sides pay their
// process start-up. Reports best-of-RUNS wall time, CPU (user+sys of the process tree) and
// peak RSS, with ratios to the peer. The load average is printed: on a shared 2-core host
// compare CPU seconds as much as wall seconds.
//
// The root: BENCH_PACK_ROOT=DIR, or else a checkout built here with `vzbuild build` of the
// @core stub repo (test/helpers/stub-repo.ts) in a temp state dir (~30 s once).
// Run: npx tsx test/bench/pack.bench.ts   (RUNS=3 by default)
//
// Measured 2026-11-28 (session 3), RHEL 6 @core checkout (30,374 entries), load avg 5-7
// on 2 shared cores (wall is noise; compare CPU): tar.zst -3 1.85 CPU-s / 99 MiB vs
// tar --zstd 0.94 (1.97x; before this session 2.05 / 125 MiB vs 0.80, 2.56x); -12 1.35x;
// pigz 1.37x tar -I pigz; xz -T0 0.86x; dir 0.87x cp -a (dir is tar -x's inode creation).
// Where our CPU goes (perf record of a tar.zst pack): node in the kernel ~32% (readdir,
// lstat, open/read/close, path lookups of absolute paths ~7%), V8 JIT compiling ~11%, V8
// runtime/builtins ~13%, GC ~4%, sha256 of the tar stream ~3%, libc (scandir) ~5%,
// getfattr+xargs ~8% (one walk: the paths of ours, looked up relative to the root), zstd ~9%.
// GNU tar does the same syscalls through dirfd-relative *at() calls and no JS.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT, tempDir } from '../helpers/env.js';
import { writeRhel6CoreRecipe } from '../helpers/stub-repo.js';

const RUNS = Number(process.env.RUNS ?? 3);
const SDE = '1700000000';

interface Timed {
  wall: number;
  cpu: number;
  rssMiB: number;
}

const tmp = tempDir('vzbuild-bench-pack-');

function timed(argv: string[]): Timed {
  const out = join(tmp.path, 'time.out');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').slice(-3000)}`);
  const [wall, user, sys, kb] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user + sys, rssMiB: kb / 1024 };
}

/** Best of RUNS by wall time; `prepare` runs untimed before each run (e.g. removes the output). */
function best(argv: string[], prepare?: () => void): Timed {
  let b: Timed | undefined;
  for (let i = 0; i < RUNS; i++) {
    prepare?.();
    const t = timed(argv);
    if (!b || t.wall < b.wall) b = t;
  }
  return b!;
}

function buildRoot(): string {
  const state = join(tmp.path, 'state');
  const recipe = join(tmp.path, 'rhel6-core.yaml');
  writeRhel6CoreRecipe(recipe);
  const lock = join(tmp.path, 'core.lock');
  const vz = (...a: string[]) => execFileSync(process.execPath, [BIN, '--cache-dir', state, ...a], { stdio: 'pipe', env: { ...process.env, SOURCE_DATE_EPOCH: SDE } });
  vz('resolve', recipe, '-o', lock);
  vz('build', recipe, '--lock', lock, '--output-dir', join(tmp.path, 'built'));
  const checkouts = join(state, 'checkouts');
  const name = readdirSync(checkouts).find((n) => !n.startsWith('.'));
  if (!name) throw new Error(`no checkout left in ${checkouts}`);
  return join(checkouts, name);
}

try {
  const packJs = join(REPO_ROOT, 'dist', 'builder', 'pack', 'index.js');
  if (!existsSync(packJs)) throw new Error(`${packJs} missing: run \`npm run build\` first`);
  const root = process.env.BENCH_PACK_ROOT ?? buildRoot();
  const out = join(tmp.path, 'out');
  const entries = Number(execFileSync('sh', ['-c', 'find "$1" | wc -l', 'count', root], { encoding: 'utf8' }).trim());
  const mib = Number(execFileSync('du', ['-smx', root], { encoding: 'utf8' }).split('\t')[0]);

  // Ours: packTemplate in a fresh node process, as `vzbuild build` calls it.
  const script = `const { packTemplate } = await import(${JSON.stringify(packJs)});
const [root, out, format, level] = process.argv.slice(1);
await packTemplate(root, { name: 'bench', formats: [format], outputDir: out, sourceDateEpoch: ${SDE}, keepOld: false, toolVersion: 'bench', levels: level ? { [format]: Number(level) } : undefined });`;
  const ours = (format: string, level = '') => best([process.execPath, '--input-type=module', '-e', script, root, out, format, level], () => rmSync(out, { recursive: true, force: true }));
  const peerTar = join(tmp.path, 'peer.tar');
  const tar = (...flags: string[]) => best(['tar', '--numeric-owner', '--xattrs', ...flags, '-cf', peerTar, '-C', root, '.'], () => rmSync(peerTar, { force: true }));
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);

  const rows: { what: string; peer: string; o: Timed; p: Timed; oSize: number; pSize: number }[] = [];
  const add = (what: string, peer: string, o: Timed, oFile: string, p: Timed, pFile = peerTar) => rows.push({ what, peer, o, p, oSize: size(join(out, oFile)), pSize: size(pFile) });

  add('tar.zst (default: -3)', 'tar --zstd', ours('tar.zst'), 'bench.tar.zst', tar('--zstd'));
  add('tar.zst level 12', "tar -I 'zstd -T0 -12'", ours('tar.zst', '12'), 'bench.tar.zst', tar('-I', 'zstd -q -T0 -12'));
  add('tar.gz (pigz -6)', 'tar -I pigz', ours('tar.gz'), 'bench.tar.gz', tar('-I', 'pigz -n -6'));
  add('tar.gz (pigz -6)', 'tar --gzip', rows[2].o, 'bench.tar.gz', tar('--gzip'));
  add('tar.xz (xz -T0 -6)', "tar -I 'xz -T0'", ours('tar.xz'), 'bench.tar.xz', tar('-I', 'xz -q -T0 -6'));
  const peerDir = join(tmp.path, 'peer-dir');
  add('dir', 'cp -a', ours('dir'), 'bench', best(['cp', '-a', root, peerDir], () => rmSync(peerDir, { recursive: true, force: true })), peerDir);
  add('dir', 'tar -c | tar -x', rows[5].o, 'bench', best(['sh', '-c', 'mkdir "$2" && tar --numeric-owner --xattrs -cf - -C "$1" . | tar --numeric-owner --xattrs --xattrs-include="*" -xpf - -C "$2"', 'peer', root, peerDir], () => rmSync(peerDir, { recursive: true, force: true })), peerDir);

  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  console.log(`pack of ${root}: ${entries} entries, ${mib} MiB; best of ${RUNS}; load avg ${load}\n`);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`${'ours'.padEnd(24)} ${'peer'.padEnd(24)} ${pad('wall s', 14)} ${pad('cpu s', 14)} ${pad('RSS MiB', 12)} ${pad('wall', 6)} ${pad('cpu', 6)}  size (ours/peer)`);
  for (const r of rows) {
    const pair = (a: number, b: number, d: number) => pad(`${a.toFixed(d)}/${b.toFixed(d)}`, 14);
    const bytes = r.what === 'dir' ? '' : `${(r.oSize / 1e6).toFixed(2)}/${(r.pSize / 1e6).toFixed(2)} MB`;
    console.log(`${r.what.padEnd(24)} ${r.peer.padEnd(24)} ${pair(r.o.wall, r.p.wall, 2)} ${pair(r.o.cpu, r.p.cpu, 2)} ${pad(`${r.o.rssMiB.toFixed(0)}/${r.p.rssMiB.toFixed(0)}`, 12)} ${pad((r.o.wall / r.p.wall).toFixed(2) + 'x', 6)} ${pad((r.o.cpu / r.p.cpu).toFixed(2) + 'x', 6)}  ${bytes}`);
  }
} finally {
  tmp.cleanup();
}

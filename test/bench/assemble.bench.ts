// Benchmark: build a template cache of the RHEL 6 @core stub closure (212 packages, dnf's
// answer) with `vzbuild build` (resolve excluded: the lock is made first) and with
// `dnf --installroot install` of the same NEVRAs + `tar --zstd`, same repo, same machine.
// vzbuild cold = empty state dir (packages copied into the package cache, every payload
// unpacked into the store); warm = the same state dir again with --force (store filled:
// checkouts + scriptlets + pack only); no-op = the same command again; repack = a fresh
// output dir with the state dir kept (the kept installed root is packed again, verified
// against the tar stream it gave the first time). Each side is a separate process timed by
// /usr/bin/time (wall seconds, CPU seconds user+sys incl. children, peak RSS of the process
// tree's largest member). Before each timed run the bench syncs and waits BENCH_SETTLE seconds
// (default 65): ext4 without a journal skips recently freed inodes when it allocates new
// ones (Linux 6.x: freed in the last 60 s, 360 s while their inode-table block is dirty;
// each allocation scans past all of them: fs/ext4/ialloc.c recently_deleted()), so
// creating a tree right after another tree was deleted (a previous phase, its temp dirs) costs
// several times the system CPU — on this machine `cp -a` of the 30k-entry tree took 17 s
// right after an rm -rf and 11 s later. dnf runs first. A --force rebuild replaces the
// previous checkout and deletes the old tree after publishing, in a detached low-priority
// process that this timing does not wait for (nor counts), as it does not count deleting
// dnf's previous root.
// Run: npx tsx test/bench/assemble.bench.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from '../helpers/env.js';
import { rhel6CoreStubRepo, writeRhel6CoreRecipe } from '../helpers/stub-repo.js';

interface Timed {
  secs: number;
  cpu: number;
  rssMiB: number;
}

const SETTLE = Number(process.env.BENCH_SETTLE ?? 65);

function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const out = join(tmp.path, 'time.out');
  execFileSync('sync');
  execFileSync('sleep', [String(SETTLE)]);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', out, ...argv], { encoding: 'utf8', env, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${argv.slice(0, 10).join(' ')} ... failed (${r.status}):\n${(r.stderr ?? '').slice(-3000)}`);
  const [secs, kb, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { secs, cpu: user + sys, rssMiB: kb / 1024 };
}

const tmp = tempDir('vzbuild-bench-asm-');
try {
  const repo = rhel6CoreStubRepo();
  const state = join(tmp.path, 'state');
  const recipe = join(tmp.path, 'rhel6-core.yaml');
  writeRhel6CoreRecipe(recipe);
  const lock = join(tmp.path, 'core.lock');
  const vz = (...a: string[]) => [process.execPath, BIN, '--cache-dir', state, ...a];
  execFileSync(vz('resolve', recipe, '-o', lock)[0], vz('resolve', recipe, '-o', lock).slice(1), { stdio: 'pipe' });
  const nevras = (JSON.parse(readFileSync(lock, 'utf8')) as { packages: { name: string; epoch: number; version: string; release: string; arch: string }[] }).packages.map(
    (p) => `${p.name}-${p.version}-${p.release}.${p.arch}`,
  );
  const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
  const out = join(tmp.path, 'out');

  const dnfRoot = join(tmp.path, 'dnf-root');
  const dnf = timed([
    'sh', '-c',
    'dnf -y -q --installroot="$1" --releasever=6 --setopt=reposdir=/dev/null --repofrompath=r,file://"$2" --nogpgcheck --setopt=install_weak_deps=False install $3 >/dev/null && tar --numeric-owner --xattrs --zstd -C "$1" -cf "$1.tar.zst" .',
    'dnf-bench', dnfRoot, repo, nevras.join(' '),
  ]);
  rmSync(dnfRoot, { recursive: true, force: true });

  const cold = timed(vz('build', recipe, '--lock', lock, '--output-dir', out, '--format', 'tar.zst'), env);
  const objects = join(state, 'store', 'v1', 'objects');
  const storeBytes = () => Number(execFileSync('du', ['-sb', objects], { encoding: 'utf8' }).split('\t')[0]);
  const storedCold = storeBytes();
  const warm = timed(vz('build', recipe, '--lock', lock, '--output-dir', out, '--format', 'tar.zst', '--force'), env);
  const storedWarm = storeBytes();
  const noop = timed(vz('build', recipe, '--lock', lock, '--output-dir', out, '--format', 'tar.zst'), env);
  // A fresh output dir with the state dir kept (nightly CI): the kept installed root is packed again.
  const fresh = timed(vz('build', recipe, '--lock', lock, '--output-dir', join(tmp.path, 'out-fresh'), '--format', 'tar.zst'), env);


  const row = (name: string, t: Timed) =>
    `${name.padEnd(34)} ${t.secs.toFixed(1).padStart(7)} s ${t.cpu.toFixed(1).padStart(6)} s cpu ${t.rssMiB.toFixed(0).padStart(6)} MiB   ${(t.secs / dnf.secs).toFixed(2)}x time  ${(t.cpu / dnf.cpu).toFixed(2)}x cpu  ${(t.rssMiB / dnf.rssMiB).toFixed(2)}x RSS`;
  console.log(`RHEL 6 @core stub closure: ${nevras.length} packages (load avg ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
  console.log(row('dnf --installroot install + tar', dnf));
  console.log(row('vzbuild build (cold: empty store)', cold));
  console.log(row('vzbuild build --force (warm store)', warm));
  console.log(row('vzbuild build (unchanged: no-op)', noop));
  console.log(row('vzbuild build (new output dir: repack)', fresh));
  console.log(`store objects: ${(storedCold / 1048576).toFixed(1)} MiB after the cold build; the identical --force rebuild added ${storedWarm - storedCold} bytes`);
} finally {
  tmp.cleanup();
}

// Store and checkout benchmark, side by side with the peers a template build would
// otherwise use: checkout of a large tree (hard links, and copies) vs `cp -a` and `tar -x`
// of the same tree; import cost; bytes stored for two overlapping trees and for an
// identical re-import. Each measured step runs in its own process under /usr/bin/time so
// peak RSS is per step; our times are taken inside the step (no Node startup).
//   npx tsx test/bench/store.bench.ts [--files 20000]   (also imports the RHEL 6 @core stub repo's RPMs)
//
// Measured 2026-11-28 (2 cores, ext4, load ≈ 2; 20k files + 1k symlinks, 220 MiB):
//   checkout hardlink 1.50 s / 119 MiB RSS — 0.59× cp -a (2.56 s), 0.88× tar -x (1.70 s)
//   checkout copy 5.9 s (2.3× cp -a: per-file chmod/utimes/chown that cp batches better)
//   pack .tar.zst -12: 2.9 s vs `tar --sort=name | zstd -T0 -12` 1.74 s (1.68×)
//   import into an empty store 13.0 s incl. one syncfs (cp -a does not sync); re-import
//   3.6 s adding 0 bytes; store of two overlapping trees 279 MiB = 0.61× of 461 MiB.
// Under load ≈ 18 (other agents), async fs calls were 5–10× slower; hence sync calls.
// RPM import row, 2026-11-28 03:55 (load ≈ 10, --files 2000): 288 stub payloads into an
//   empty store 16.4 s / 208 MiB vs `rpm2cpio | cpio -idm` per package 9.9 s (1.66×). The
//   import is one main thread (hash, key, temp+rename per object) against the peer's two
//   processes per package. One syncfs per batch instead of one per package took a cold
//   build's import phase from 22.8 s to 10.6 s (back to back, load ≈ 8). On this host's journal-less ext4, a create scans past every inode freed in the
//   last ~30 s in its block group (ext4 recently_deleted()), so import sys time swings
//   with whatever was just deleted nearby (ours or other agents'): 2–11 s for 14.6k objects.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, lstatSync, rmSync, symlinkSync, utimesSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkoutTree, openStore, type TreeEntry } from '../../cache/index.js';
import { readInstallPackage } from '../../builder/assemble/from-rpm.js';
import { importPackage } from '../../builder/assemble/import.js';
import { packTemplate } from '../../builder/pack/index.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';

const SELF = fileURLToPath(import.meta.url);

/** Deterministic pseudo-random numbers (xorshift), so both trees are the same every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** A tree shaped like an OS root: many small files, a few large, some empty, symlinks. */
function makeTree(dir: string, files: number, seed: number, changeFrac = 0, baseSeed = seed): void {
  const r = rng(seed);
  const base = rng(baseSeed);
  for (let i = 0; i < files; i++) {
    const d = join(dir, `usr/share/d${Math.floor(i / 20) % 1000}`, `s${Math.floor(i / 20000)}`);
    if (i % 20 === 0) mkdirSync(d, { recursive: true });
    const roll = base();
    const size = roll < 0.05 ? 0 : roll < 0.97 ? Math.floor(base() * 16384) : Math.floor(base() * 256_000);
    const changed = r() < changeFrac;
    // Distinct per file and per change, the same for an unchanged file in both trees.
    const buf = Buffer.alloc(size, `${i}:${changed ? seed : 0}:`);
    writeFileSync(join(d, `f${i}`), buf, { mode: i % 50 === 0 ? 0o755 : 0o644 });
    // Packaged files carry the header's mtime, the same in every tree that has the package.
    utimesSync(join(d, `f${i}`), 1_600_000_000, 1_600_000_000);
    if (i % 20 === 1) symlinkSync(`f${i - 1}`, join(d, `l${i}`));
  }
}

function treeBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', '--apparent-size', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** Import a directory tree into the store: the entries a checkout needs. */
async function importTree(storeDir: string, src: string): Promise<TreeEntry[]> {
  const store = await openStore(storeDir);
  const entries: TreeEntry[] = [];
  const walk = async (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const st = lstatSync(p);
      const base = { path: relative(src, p), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), size: 0 };
      if (st.isDirectory()) {
        entries.push({ ...base, type: 'dir' });
        await walk(p);
      } else if (st.isSymbolicLink()) {
        entries.push({ ...base, type: 'symlink', linkTarget: readlinkSync(p) });
      } else if (st.size === 0) {
        entries.push({ ...base, type: 'file' });
      } else {
        const r = await store.addFile(p, base);
        entries.push({ ...base, type: 'file', size: r.size, key: r.key });
      }
    }
  };
  await walk(src);
  await store.putPackageIndex('0'.repeat(64), entries);
  await store.close();
  return entries;
}

async function phase(): Promise<void> {
  const [, , , what, storeDir, a, b, method] = process.argv;
  const t0 = performance.now();
  if (what === 'import') {
    const entries = await importTree(storeDir, a);
    writeFileSync(b, JSON.stringify(entries));
  } else if (what === 'rpm-import') {
    // A cold build's import phase: every payload into an empty store, two packages at a
    // time as assembleRoot does, one syncfs for the batch (in close()).
    // Timed from the header reads on: the peer (rpm2cpio | cpio) reads them too.
    const t1 = performance.now();
    const rpms = readdirSync(a).filter((f) => f.endsWith('.rpm')).sort();
    const sha = (f: string) => createHash('sha256').update(readFileSync(join(a, f))).digest('hex');
    const pkgs = await Promise.all(rpms.map((f) => readInstallPackage(join(a, f), sha(f))));
    const store = await openStore(storeDir);
    let next = 0;
    const worker = async () => {
      while (next < pkgs.length) await importPackage(store, pkgs[next++]);
    };
    await Promise.all([worker(), worker()]);
    await store.close();
    process.stdout.write(JSON.stringify({ ms: performance.now() - t1 }) + '\n');
    return;
  } else if (what === 'pack') {
    const t1 = performance.now();
    // Level 12 as the peer's `zstd -12` (the pack default is 3 now): same work on both sides.
    await packTemplate(a, { name: 'bench', formats: ['tar.zst'], outputDir: b, sourceDateEpoch: 1_700_000_000, toolVersion: 'bench', levels: { 'tar.zst': 12 } });
    process.stdout.write(JSON.stringify({ ms: performance.now() - t1 }) + '\n');
    return;
  } else if (what === 'checkout') {
    const entries = JSON.parse(readFileSync(a, 'utf8')) as TreeEntry[];
    const store = await openStore(storeDir);
    const t1 = performance.now();
    await checkoutTree(store, entries, b, { method: method as 'hardlink' | 'copy', register: false });
    await store.close();
    process.stdout.write(JSON.stringify({ ms: performance.now() - t1 }) + '\n');
    return;
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }) + '\n');
}

interface Run {
  ms: number;
  rssMiB: number;
}

/** Run argv under /usr/bin/time; `inner` takes the time the step reports itself. */
function run(argv: string[], inner = false): Run {
  execFileSync('sync');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const rss = Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  const ms = inner ? JSON.parse(r.stdout.trim().split('\n').pop() as string).ms : wall;
  return { ms, rssMiB: rss };
}

async function main(): Promise<void> {
  const files = Number(process.argv[process.argv.indexOf('--files') + 1] || 0) || 20000;
  const work = mkdtempSync(join(tmpdir(), 'vzbuild-bench-store-'));
  const node = [process.execPath, '--import', 'tsx', SELF, '--phase'];
  try {
    const A = join(work, 'A');
    const B = join(work, 'B');
    makeTree(A, files, 1);
    makeTree(B, Math.floor(files * 1.1), 2, 0.2, 1); // 20% of A's files changed, 10% more files
    const store = join(work, 'store');
    const objects = join(store, 'v1', 'objects');
    const entriesA = join(work, 'A.json');
    const entriesB = join(work, 'B.json');
    execFileSync('tar', ['-cf', join(work, 'A.tar'), '-C', A, '.']);
    console.log(`tree A: ${files} files + ${files / 20} symlinks, ${(treeBytes(A) / 1048576).toFixed(0)} MiB; tree B overlaps A`);

    const imp = run([...node, 'import', store, A, entriesA], true);
    const storedA = treeBytes(objects);
    const impAgain = run([...node, 'import', store, A, entriesA], true);
    const storedA2 = treeBytes(objects);
    run([...node, 'import', store, B, entriesB], true);
    const storedAB = treeBytes(objects);

    const results: [string, Run][] = [];
    const fresh = (n: string) => {
      const d = join(work, n);
      rmSync(d, { recursive: true, force: true });
      return d;
    };
    results.push(['vzbuild checkout (hardlink)', run([...node, 'checkout', store, entriesA, fresh('co-h'), 'hardlink'], true)]);
    results.push(['vzbuild checkout (copy)', run([...node, 'checkout', store, entriesA, fresh('co-c'), 'copy'], true)]);
    results.push(['cp -a', run(['cp', '-a', A, fresh('cp')])]);
    mkdirSync(fresh('tx'));
    results.push(['tar -x', run(['tar', '-xf', join(work, 'A.tar'), '-C', join(work, 'tx')])]);

    const base = results.find(([n]) => n === 'cp -a')![1];
    console.log('\ncheckout of tree A                 time        peak RSS    time vs cp -a');
    for (const [n, r] of results) console.log(`  ${n.padEnd(30)} ${r.ms.toFixed(0).padStart(7)} ms ${r.rssMiB.toFixed(0).padStart(7)} MiB   ${(r.ms / base.ms).toFixed(2)}×`);
    const tarx = results.find(([n]) => n === 'tar -x')![1];
    console.log(`  hardlink checkout vs tar -x: ${(results[0][1].ms / tarx.ms).toFixed(2)}×`);
    const pack = run([...node, 'pack', store, A, join(work, 'packed')], true);
    const peer = run(['sh', '-c', `tar --sort=name --numeric-owner -C ${A} -cf - . | zstd -q -T0 -12 -o ${join(work, 'peer.tar.zst')}`]);
    console.log(`\npack tree A to .tar.zst (level 12):  vzbuild ${pack.ms.toFixed(0)} ms, ${pack.rssMiB.toFixed(0)} MiB | tar --sort=name | zstd -T0 ${peer.ms.toFixed(0)} ms | ${(pack.ms / peer.ms).toFixed(2)}×`);
    console.log(`\nimport of tree A into an empty store: ${imp.ms.toFixed(0)} ms, peak RSS ${imp.rssMiB.toFixed(0)} MiB (${(imp.ms / base.ms).toFixed(2)}× cp -a)`);
    console.log(`re-import of A (all objects present): ${impAgain.ms.toFixed(0)} ms; store grew by ${storedA2 - storedA} bytes`);
    // Import of real RPM payloads (the RHEL 6 @core stub repo) vs rpm's own unpack path.
    const pkgDir = join(rhel6CoreStubRepo(), 'Packages');
    const nRpms = readdirSync(pkgDir).filter((f) => f.endsWith('.rpm')).length;
    const rpmImp = run([...node, 'rpm-import', join(work, 'rpm-store'), pkgDir], true);
    mkdirSync(fresh('cpio'));
    const cpio = run(['sh', '-c', 'cd "$1" && shift && for f; do rpm2cpio "$f" | cpio -idm --quiet; done', 'sh', join(work, 'cpio'), ...readdirSync(pkgDir).filter((f) => f.endsWith('.rpm')).map((f) => join(pkgDir, f))]);
    console.log(`\nimport of ${nRpms} RPM payloads (RHEL 6 @core stub repo) into an empty store: vzbuild ${rpmImp.ms.toFixed(0)} ms, ${rpmImp.rssMiB.toFixed(0)} MiB | rpm2cpio | cpio -idm per package ${cpio.ms.toFixed(0)} ms | ${(rpmImp.ms / cpio.ms).toFixed(2)}×`);
    const a = treeBytes(A);
    const b = treeBytes(B);
    console.log(`\nbytes: tree A ${(a / 1048576).toFixed(1)} MiB + tree B ${(b / 1048576).toFixed(1)} MiB = ${((a + b) / 1048576).toFixed(1)} MiB; store holds ${(storedAB / 1048576).toFixed(1)} MiB (${(storedAB / (a + b)).toFixed(2)}× of both trees)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--phase') await phase();
else await main();

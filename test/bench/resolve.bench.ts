// Benchmark: resolving a recipe with `vzbuild resolve` vs dnf (libsolv) on the same repo,
// same request, same machine, each as a separate process (startup included), timed with
// /usr/bin/time for wall time and peak RSS.
//   cold: empty caches (metadata parse + solve); dnf gets a fresh installroot/cachedir.
//   warm: caches filled by a previous run: ours keeps parsed metadata and the answer keyed by
//         the repos' repomd.xml checksums + request (so it reads only repomd.xml); dnf keeps
//         its metadata and .solv cache in a fixed root.
//   warm metadata, new request: the recipe gained a package since the caches were filled, so
//         ours has parsed metadata (and its lookup index) but no answer and solves afresh
//         (its answers are deleted before each run); dnf, which keeps no answers, runs with
//         its warm .solv cache: its second run of that request onwards.
// Run: npx tsx test/bench/resolve.bench.ts
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT, tempDir } from '../helpers/env.js';
import { CS9_APPSTREAM, RHEL6 } from '../helpers/stub-repo.js';

interface Timed {
  secs: number;
  /** user + system CPU seconds: steadier than wall time on a loaded machine */
  cpu: number;
  rssMiB: number;
}

const tmp = tempDir('vzbuild-bench-resolve-');
const DNF = join(REPO_ROOT, 'test', 'resolve', 'helpers', 'dnf-batch.py');

function timed(argv: string[], input?: string): Timed {
  const out = join(tmp.path, 'time.out');
  execFileSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, ...argv], { cwd: REPO_ROOT, input, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  const [secs, user, sys, kb] = execFileSync('tail', ['-1', out], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return { secs, cpu: user + sys, rssMiB: kb / 1024 };
}

function median(xs: Timed[]): Timed {
  const s = [...xs].sort((a, b) => a.secs - b.secs);
  return s[Math.floor(s.length / 2)];
}

interface Case {
  name: string;
  repo: string;
  releasever: string;
  packages: string[];
  /** Packages the recipe gains for the "warm metadata, new request" row. */
  added?: string[];
}

const CASES: Case[] = [
  { name: 'RHEL 6 @core', repo: RHEL6, releasever: '6', packages: ['@core'], added: ['vim-enhanced'] },
  { name: 'RHEL 6 @core @base', repo: RHEL6, releasever: '6', packages: ['@core', '@base'] },
  { name: 'CS9 AppStream (17,649 pkgs) qt5-doc langpacks-ja', repo: CS9_APPSTREAM, releasever: '9', packages: ['qt5-doc', 'langpacks-ja'], added: ['tzdata-java'] },
];
const RUNS = Number(process.env.RUNS ?? 3);

const rows: string[] = [];
for (const c of CASES) {
  const writeRecipe = (file: string, packages: string[]) =>
    writeFileSync(file, ['name: bench', `distro: { id: rhel, release: "${c.releasever}", arch: x86_64 }`, 'repos:', '  - id: r', `    baseurl: file://${c.repo}`, '    gpgcheck: false', `packages: ${JSON.stringify(packages)}`, ''].join('\n'));
  const recipe = join(tmp.path, 'recipe.yaml');
  writeRecipe(recipe, c.packages);
  const dnfInput = (root?: string, packages = c.packages) => JSON.stringify({ repos: { r: c.repo }, releasever: c.releasever, weak: true, requests: [packages], ...(root ? { root } : {}) });
  const ours = (cache: string) => timed([BIN, '--cache-dir', cache, 'resolve', recipe]);
  const oursCold: Timed[] = [];
  const dnfCold: Timed[] = [];
  for (let i = 0; i < RUNS; i++) {
    oursCold.push(ours(join(tmp.path, `cold-${c.name}-${i}`.replace(/\W+/g, '-'))));
    dnfCold.push(timed(['/usr/bin/python3', DNF], dnfInput()));
  }
  const warmCache = join(tmp.path, `warm-${rows.length}`);
  const dnfRoot = join(tmp.path, `dnfroot-${rows.length}`);
  ours(warmCache);
  timed(['/usr/bin/python3', DNF], dnfInput(dnfRoot));
  const oursWarm: Timed[] = [];
  const dnfWarm: Timed[] = [];
  for (let i = 0; i < RUNS; i++) {
    oursWarm.push(ours(warmCache));
    dnfWarm.push(timed(['/usr/bin/python3', DNF], dnfInput(dnfRoot)));
  }
  const oc = median(oursCold);
  const dc = median(dnfCold);
  const ow = median(oursWarm);
  const dw = median(dnfWarm);
  const f = (t: Timed) => `${t.secs.toFixed(2)}s (cpu ${t.cpu.toFixed(2)}s) ${t.rssMiB.toFixed(0)}MiB`;
  const r = (a: Timed, b: Timed) => `ratio ${(a.secs / b.secs).toFixed(2)} (cpu ${(a.cpu / b.cpu).toFixed(2)})`;
  rows.push(`${c.name.padEnd(44)} cold: vzbuild ${f(oc)} | dnf ${f(dc)} | ${r(oc, dc)}   warm: vzbuild ${f(ow)} | dnf ${f(dw)} | ${r(ow, dw)}`);
  process.stdout.write(rows[rows.length - 1] + '\n');
  if (!c.added) continue;
  // The recipe gains packages: parsed metadata is cached, the answer for it is not.
  const request = [...c.packages, ...c.added];
  const newRecipe = join(tmp.path, 'recipe-new.yaml');
  writeRecipe(newRecipe, request);
  const metadata = join(warmCache, 'metadata');
  const oursNew = () => {
    for (const d of readdirSync(metadata)) if (d.startsWith('resolve-v')) rmSync(join(metadata, d), { recursive: true, force: true });
    return timed([BIN, '--cache-dir', warmCache, 'resolve', newRecipe]);
  };
  timed(['/usr/bin/python3', DNF], dnfInput(dnfRoot, request)); // dnf's first run of it
  const oursNewRuns: Timed[] = [];
  const dnfNewRuns: Timed[] = [];
  for (let i = 0; i < RUNS; i++) {
    oursNewRuns.push(oursNew());
    dnfNewRuns.push(timed(['/usr/bin/python3', DNF], dnfInput(dnfRoot, request)));
  }
  const on = median(oursNewRuns);
  const dn = median(dnfNewRuns);
  rows.push(`${`  + ${c.added.join(' ')}`.padEnd(44)} warm metadata, new request: vzbuild ${f(on)} | dnf ${f(dn)} | ${r(on, dn)}`);
  process.stdout.write(rows[rows.length - 1] + '\n');
}
process.stdout.write(`\nmedian (by wall time) of ${RUNS} runs each, whole processes; targets: cold <= 0.5x dnf, warm <= 0.1x dnf, warm metadata + new request <= 1x dnf\n`);
tmp.cleanup();

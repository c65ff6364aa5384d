// Benchmark: repository metadata → in-memory packages, vzbuild beside dnf (libsolv) and
// Python's ElementTree, on CentOS Stream 9 AppStream (17,649 packages) and RHEL 6 Server
// (3,657 packages, with its 46 MB filelists). Each measurement is a fresh process; times
// exclude interpreter startup; peak RSS is the whole process. Cold = no parsed cache
// (vzbuild: XML parse; dnf: XML → .solv); warm = the on-disk cache of a previous run.
// The machine is shared: CPU time is reported beside wall time because wall time inflates
// when other work competes for the 2 cores.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, REPO_ROOT, tempDir } from '../helpers/env.js';

interface Run {
  ms: number;
  cpuMs?: number;
  packages: number;
  rssMiB: number;
}

const tmp = tempDir('vzbuild-bench-repo-');
// The child runs dist/ (what bin/vzbuild runs): compile the current code first.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function ours(dir: string, mode: 'cold' | 'warm', cache: string, files = false): Run {
  const args = [join(REPO_ROOT, 'test', 'bench', 'repo-load.mjs'), dir, mode, cache, ...(files ? ['files'] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' }));
}
function py(script: string, ...args: string[]): Run {
  return JSON.parse(execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'bench', script), ...args], { encoding: 'utf8' }));
}
/** The best of ROUNDS runs (least disturbed by other load), each from a fresh cache for cold. */
function best(f: (round: number) => Run): Run {
  const runs = Array.from({ length: ROUNDS }, (_, i) => f(i));
  return runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}

const fmt = (r: Run) => `${(r.ms / 1000).toFixed(2)} s${r.cpuMs === undefined ? '' : ` (cpu ${(r.cpuMs / 1000).toFixed(2)} s)`}, ${r.rssMiB.toFixed(0)} MiB`;
const rows: string[] = [];
function row(what: string, a: Run, b: Run, peer: string): void {
  rows.push(`${what.padEnd(36)} vzbuild ${fmt(a).padEnd(34)} ${peer} ${fmt(b).padEnd(34)} ratio ${(a.ms / b.ms).toFixed(2)}x`);
  console.log(rows[rows.length - 1]);
}

const repos = [
  { name: 'CS9 AppStream', dir: fixture('osbuild-osbuild', 'testrepos', 'appstream'), files: false },
  { name: 'RHEL 6 Server', dir: fixture('pulp_rpm', 'rhel6-test_comps_with_xz_compress'), files: true },
];
for (const r of repos) {
  const primary = join(r.dir, 'repodata', readdirSync(join(r.dir, 'repodata')).find((n) => n.includes('-primary.xml'))!);
  const coldOurs = best((i) => ours(r.dir, 'cold', join(tmp.path, `ours-${r.name}-${i}`), r.files));
  const warmOurs = best(() => ours(r.dir, 'warm', join(tmp.path, `ours-${r.name}-0`), r.files));
  const coldDnf = best((i) => py('dnf-load.py', r.dir, join(tmp.path, `dnf-${r.name}-${i}`)));
  const warmDnf = best(() => py('dnf-load.py', r.dir, join(tmp.path, `dnf-${r.name}-0`)));
  const et = best(() => py('etree-primary.py', primary));
  if (coldOurs.packages !== coldDnf.packages || coldOurs.packages !== et.packages) throw new Error(`package counts differ: ${coldOurs.packages} / ${coldDnf.packages} / ${et.packages}`);
  const what = r.files ? ' (+filelists)' : '';
  row(`${r.name} cold${what}`, coldOurs, coldDnf, 'dnf');
  row(`${r.name} warm${what}`, warmOurs, warmDnf, 'dnf');
  row(`${r.name} primary only`, best((i) => ours(r.dir, 'cold', join(tmp.path, `p-${r.name}-${i}`))), et, 'etree');
  rows.push(`${r.name}: warm/cold ${(warmOurs.ms / coldOurs.ms).toFixed(3)}; ${coldOurs.packages} packages`);
  console.log(rows[rows.length - 1]);
}
console.log(`\nload average: ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()}`);
tmp.cleanup();

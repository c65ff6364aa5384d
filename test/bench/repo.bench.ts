// Benchmark: repository metadata → in-memory packages, vzbuild beside libsolv's repo2solv,
// dnf (libsolv) and Python's ElementTree, on CentOS Stream 9 AppStream (17,649 packages)
// and RHEL 6 Server (3,657 packages, with its 46 MB filelists). Each measurement is a fresh
// process; our times and dnf's/etree's exclude interpreter startup (repo2solv, a C program,
// is timed whole); peak RSS is the whole process. Cold = no parsed cache (vzbuild: XML
// parse, then the binary cache written; dnf: XML → .solv); warm = the on-disk cache of a
// previous run. "primary parse" is primary.xml alone with no cache: the cost issue 3 budgets
// (< 1.5 s, < 300 MB for AppStream), beside repo2solv doing the same (gunzip + parse + .solv).
// The machine is shared: CPU time is reported beside wall time because wall time inflates
// when other work competes for the 2 cores.
import { execFileSync, spawnSync } from 'node:child_process';
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

function ours(dir: string, mode: 'cold' | 'warm' | 'primary', cache: string, files = false): Run {
  const args = [join(REPO_ROOT, 'test', 'bench', 'repo-load.mjs'), dir, mode, cache, ...(files ? ['files'] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' }));
}
/** libsolv's repo2solv (primary, comps; no filelists without -F), timed by /usr/bin/time. */
function repo2solv(dir: string, out: string): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'repo2solv', '-o', out, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`repo2solv failed: ${r.stderr}`);
  const [e, u, sys, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const packages = Number(execFileSync('dumpsolv', [out], { encoding: 'utf8', maxBuffer: 1 << 28 }).match(/^repo size: (\d+) solvables/m)?.[1] ?? NaN);
  return { ms: e * 1000, cpuMs: (u + sys) * 1000, packages, rssMiB: kb / 1024 };
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
  const cpu = a.cpuMs !== undefined && b.cpuMs !== undefined ? `, cpu ${(a.cpuMs / b.cpuMs).toFixed(2)}x` : '';
  rows.push(`${what.padEnd(36)} vzbuild ${fmt(a).padEnd(34)} ${peer.padEnd(9)} ${fmt(b).padEnd(34)} ratio ${(a.ms / b.ms).toFixed(2)}x${cpu}`);
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
  const parse = best(() => ours(r.dir, 'primary', ''));
  const solv = best((i) => repo2solv(r.dir, join(tmp.path, `${r.name}-${i}.solv`)));
  if (parse.packages !== coldOurs.packages) throw new Error(`package counts differ: ${parse.packages} / ${coldOurs.packages}`);
  const what = r.files ? ' (+filelists)' : '';
  row(`${r.name} primary parse`, parse, solv, 'repo2solv');
  row(`${r.name} cold${what}`, coldOurs, coldDnf, 'dnf');
  row(`${r.name} warm${what}`, warmOurs, warmDnf, 'dnf');
  row(`${r.name} primary parse`, parse, et, 'etree');
  rows.push(`${r.name}: warm/cold ${(warmOurs.ms / coldOurs.ms).toFixed(3)}; ${coldOurs.packages} packages`);
  console.log(rows[rows.length - 1]);
}
console.log(`\nload average: ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()}`);
tmp.cleanup();

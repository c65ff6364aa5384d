// Build (once) and share realistic stub repos made by ../shared/tools/stub-repo.py, and ask
// the real dnf for its answer through ../shared/tools/dnf-resolve.py. Builds are cached on
// disk across test files and runs (keyed by the arguments), with a cross-process lock,
// because the RHEL 6 @core closure takes about a minute to build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fixture, TOOLS } from './env.js';

export const TEST_CACHE = process.env.VZBUILD_TEST_CACHE ?? join(tmpdir(), 'vzbuild-test-cache');
export const RHEL6 = fixture('pulp_rpm', 'rhel6-test_comps_with_xz_compress');
export const CS9_APPSTREAM = fixture('osbuild-osbuild', 'testrepos', 'appstream');

function repodataFile(repo: string, kind: string): string {
  const dir = join(repo, 'repodata');
  const f = readdirSync(dir).find((n) => n.includes(`${kind}.xml`) || n.endsWith(`-${kind}.xml.gz`));
  if (!f) throw new Error(`no ${kind} metadata in ${dir}`);
  return join(dir, f);
}

export interface DnfResolveOptions {
  repos: Record<string, string>;
  specs: string[];
  weak?: boolean;
  exclude?: string[];
  arch?: string;
  releasever?: string;
}

/** dnf's answer: sorted "name-epoch:version-release.arch" lines. */
export function dnfResolve(o: DnfResolveOptions): string[] {
  const args = [join(TOOLS, 'dnf-resolve.py')];
  for (const [id, dir] of Object.entries(o.repos)) args.push('--repo', `${id}=${dir}`);
  if (o.weak === false) args.push('--no-weak');
  for (const e of o.exclude ?? []) args.push('--exclude', e);
  args.push('--arch', o.arch ?? 'x86_64', '--releasever', o.releasever ?? '9', '--', ...o.specs);
  const out = execFileSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.split('\n').filter(Boolean);
}

/** Wait for and take a lock directory (mkdir is atomic); stale after 30 minutes. */
function withLock<T>(lock: string, fn: () => T): T {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      execFileSync('sleep', ['0.5']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface StubRepoOptions {
  /** Real repodata directory (with repodata/). */
  source: string;
  /** Dependency-closed set of names to build (see ../shared/README.md). */
  only?: string[];
  bumpRelease?: string[];
  payload?: string;
}

/** Path of a built stub repo (RPMs + repodata), building it on first use. */
export function stubRepo(o: StubRepoOptions): string {
  const key = createHash('sha256').update(JSON.stringify([o.source, [...(o.only ?? [])].sort(), o.bumpRelease ?? [], o.payload ?? ''])).digest('hex').slice(0, 16);
  const out = join(TEST_CACHE, `stub-${key}`);
  if (existsSync(join(out, 'repodata', 'repomd.xml'))) return out;
  mkdirSync(TEST_CACHE, { recursive: true });
  return withLock(out + '.lock', () => {
    if (existsSync(join(out, 'repodata', 'repomd.xml'))) return out;
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const args = [join(TOOLS, 'stub-repo.py'), '--primary', repodataFile(o.source, 'primary'), '--filelists', repodataFile(o.source, 'filelists'), '--out', tmp];
    const comps = readdirSync(join(o.source, 'repodata')).find((n) => /(group|comps)[^/]*\.xml/.test(n));
    if (comps) args.push('--comps', join(o.source, 'repodata', comps));
    if (o.payload) args.push('--payload', o.payload);
    if (o.only) args.push('--only', ...o.only);
    if (o.bumpRelease?.length) args.push('--bump-release', ...o.bumpRelease);
    execFileSync('/usr/bin/python3', args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 << 20 });
    renameSync(tmp, out);
    return out;
  });
}

/**
 * Names in dnf's RHEL 6 @core closure (no weak deps): the standard dependency-closed set.
 * dnf takes seconds to answer, and many test files ask: the answer is cached on disk (the
 * fixture is read-only, so its path names its content).
 */
export function rhel6CoreNames(): string[] {
  const file = join(TEST_CACHE, 'rhel6-core-names.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
  }
  const lines = dnfResolve({ repos: { r: RHEL6 }, specs: ['@core'], weak: false, releasever: '6' });
  const names = [...new Set(lines.map((l) => l.replace(/-[0-9]+:.*/, '')))].sort();
  mkdirSync(TEST_CACHE, { recursive: true });
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(names));
  renameSync(`${file}.${process.pid}`, file);
  return names;
}

/** The RHEL 6 @core stub repo (built once, ~70 s, then cached). */
export function rhel6CoreStubRepo(): string {
  return stubRepo({ source: RHEL6, only: rhel6CoreNames() });
}

/** Write the benches' RHEL 6 @core recipe (stub repo, no weak deps, BDB rpmdb, tar.zst) to `file`. */
export function writeRhel6CoreRecipe(file: string): string {
  const lines = ['name: rhel6-core', 'distro: { id: rhel, release: "6", arch: x86_64 }', 'repos:', '  - id: r', `    baseurl: file://${rhel6CoreStubRepo()}`, '    gpgcheck: false', 'packages: ["@core"]', 'weak_deps: false', 'rpmdb: bdb', 'output: { formats: [tar.zst] }', ''];
  writeFileSync(file, lines.join('\n'));
  return file;
}

// Test plumbing for assemble: a lock and fetched-package list made from a directory of
// .rpm files (what resolve + fetch would hand over), a recipe, a context, and the real
// rpm's view of a finished root.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeCtx, type Ctx, type Logger } from '../../builder/context.js';
import type { Lockfile } from '../../builder/model/lockfile.js';
import type { Recipe } from '../../builder/model/recipe.js';
import { resolveSettings } from '../../builder/settings.js';
import type { AssembleInput } from '../../builder/assemble/types.js';
import { dnfResolve, RHEL6 } from '../helpers/stub-repo.js';

/** A root whose only program is the host's static busybox, with these applets in /bin (sandbox tests). */
export function busyboxRoot(root: string, applets: string[]): string {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  copyFileSync(realpathSync(execFileSync('which', ['busybox'], { encoding: 'utf8' }).trim()), join(root, 'bin/busybox'));
  for (const a of applets) symlinkSync('busybox', join(root, 'bin', a));
  return root;
}

export function rpmFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.rpm')).sort().map((f) => join(dir, f));
}

export function inputFromRpms(paths: string[], recipe: Partial<Recipe> = {}): AssembleInput {
  const q = execFileSync('rpm', ['-qp', '--nosignature', '--nodigest', '--qf', '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n', ...paths], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const lockPkgs = q.map((l, i) => {
    const [name, epoch, version, release, arch] = l.split('\t');
    const sha256 = createHash('sha256').update(readFileSync(paths[i])).digest('hex');
    return { name, epoch: Number(epoch), version, release, arch, repo: 'stub', location: paths[i].split('/').pop()!, checksum: `sha256:${sha256}`, size: statSync(paths[i]).size };
  });
  const lock: Lockfile = { version: 1, recipe: 'test', distro: { id: 'rhel', release: '6', arch: 'x86_64' }, repos: [{ id: 'stub', url: 'file:///stub', repomd: 'sha256:0' }], packages: lockPkgs };
  const packages = lockPkgs.map((p, i) => ({
    nevra: `${p.name}-${p.epoch ? p.epoch + ':' : ''}${p.version}-${p.release}.${p.arch}`,
    path: paths[i],
    sha256: p.checksum.slice(7),
  }));
  return { lock, packages, recipe: testRecipe(recipe) };
}

export function testRecipe(r: Partial<Recipe> = {}): Recipe {
  return {
    version: 1,
    name: 'test',
    file: '/dev/null',
    distro: { id: 'rhel', release: '6', arch: 'x86_64' },
    repos: [],
    packages: [],
    exclude: [],
    weakDeps: false,
    modules: { enable: [], disable: [] },
    multilibArches: [],
    hooks: { preCache: [], postCache: [], postInstall: [] },
    output: { formats: ['dir'] },
    rpmdb: 'sqlite',
    ...r,
  };
}

export function testCtx(cacheDir: string, logs: string[] = []): Ctx {
  const line = (lvl: string) => (m: string) => void logs.push(`${lvl}: ${m}`);
  const log: Logger = { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
  return makeCtx({ settings: resolveSettings({ cacheDir }, {}), log });
}

/** Record the packages in the root's rpmdb with the real rpm, unless our rpmdb writer already did (it does for sqlite targets). */
export function rpmJustDb(root: string, paths: string[]): void {
  if (existsSync(join(root, 'var/lib/rpm/rpmdb.sqlite'))) return;
  execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--justdb', '--replacefiles', '--nodeps', '--noscripts', '--notriggers', '--nosignature', '--nodigest', '--ignorearch', '--ignoreos', ...paths], { stdio: 'pipe' });
}

export function rpmQa(root: string): string[] {
  return execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).sort();
}

export function rpmVa(root: string): string {
  try {
    return execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va', '--nodeps', '--noscripts'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
}

/** dnf's answer for RHEL 6 @core (x86_64, no weak deps) as .rpm paths in the stub repo: the lock resolve would produce. */
export function rhel6CoreLockPaths(repo: string): string[] {
  const lines = dnfResolve({ repos: { r: RHEL6 }, specs: ['@core'], weak: false, releasever: '6' });
  return lines.map((l) => join(repo, 'Packages', `${l.replace(/-\d+:/, '-')}.rpm`)).sort();
}

// The resolver on small in-memory repos: each libsolv/dnf behaviour the differential
// tests rely on, in isolation, plus the error explanations.
import { describe, expect, it } from 'vitest';
import type { Dep, RepoPackage, Sense } from '../../builder/model/package.js';
import { parseEvr } from '../../builder/rpm/vercmp.js';
import { ResolveError, resolvePackages, type ResolveInput } from '../../builder/resolve/index.js';
import { parseRich } from '../../builder/resolve/richdep.js';

function dep(s: string): Dep {
  const m = /^(\S+)\s*(<=|>=|=|<|>)\s*(\S+)$/.exec(s);
  if (!m) return { name: s };
  const sense: Sense = ({ '=': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' } as const)[m[2] as '=']!;
  return { name: m[1], sense, evr: parseEvr(m[3]) };
}

type P = Partial<Record<'requires' | 'provides' | 'conflicts' | 'obsoletes' | 'recommends' | 'supplements' | 'suggests', string[]>> & { files?: string[] };
function pkg(nevra: string, p: P = {}, repo = 'r'): RepoPackage {
  const m = /^(.+)-(?:(\d+):)?([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra)!;
  const d = (k: keyof P) => ((p[k] as string[] | undefined) ?? []).map(dep);
  return {
    name: m[1], epoch: Number(m[2] ?? 0), version: m[3], release: m[4], arch: m[5], repo,
    checksum: 'sha256:00', location: `${nevra}.rpm`, sizePackage: 1, sizeInstalled: 1, files: p.files ?? [],
    provides: d('provides'), requires: d('requires'), conflicts: d('conflicts'), obsoletes: d('obsoletes'),
    recommends: d('recommends'), suggests: d('suggests'), supplements: d('supplements'), enhances: [],
  };
}

function solve(pkgs: RepoPackage[], specs: string[], extra: Partial<ResolveInput['request']> & Omit<Partial<ResolveInput>, 'request'> = {}): string[] {
  const { exclude, weakDeps, ...rest } = extra;
  return resolvePackages({ repos: [{ id: 'r', priority: 99, cost: 1000, packages: pkgs }], request: { specs, exclude: exclude ?? [], weakDeps: weakDeps ?? true, arch: 'x86_64' }, ...rest }).packages.map(
    (p) => `${p.name}-${p.version}.${p.arch}`,
  );
}

describe('resolver semantics', () => {
  it('picks the best version and the best arch, never i686 unless needed', () => {
    const pkgs = [pkg('a-1.0-1.x86_64'), pkg('a-2.0-1.x86_64'), pkg('a-2.0-1.i686'), pkg('b-1.0-1.x86_64', { requires: ['a'] })];
    expect(solve(pkgs, ['b'])).toEqual(['a-2.0.x86_64', 'b-1.0.x86_64']);
    expect(solve(pkgs, ['a.i686'])).toEqual(['a-2.0.i686']); // a job naming the arch switches off lock-step
  });

  it('honours versioned requires, with a missing release matching any', () => {
    const pkgs = [pkg('lib-1.0-1.x86_64'), pkg('lib-2.0-5.x86_64'), pkg('app-1-1.x86_64', { requires: ['lib < 2.0'] }), pkg('app2-1-1.x86_64', { requires: ['lib = 2.0'] })];
    expect(solve(pkgs, ['app'])).toEqual(['app-1.x86_64', 'lib-1.0.x86_64']);
    expect(solve(pkgs, ['app2'])).toEqual(['app2-1.x86_64', 'lib-2.0.x86_64']);
  });

  it('breaks ties among providers by name, as libsolv does', () => {
    const pkgs = [pkg('zeta-1-1.x86_64', { provides: ['mta'] }), pkg('alpha-1-1.x86_64', { provides: ['mta'] }), pkg('app-1-1.x86_64', { requires: ['mta'] })];
    expect(solve(pkgs, ['app'])).toEqual(['alpha-1.x86_64', 'app-1.x86_64']);
  });

  it('prefers a provider another package already pulled in', () => {
    const pkgs = [pkg('alpha-1-1.x86_64', { provides: ['mta'] }), pkg('zeta-1-1.x86_64', { provides: ['mta'] }), pkg('app-1-1.x86_64', { requires: ['mta', 'zeta'] })];
    expect(solve(pkgs, ['app'])).toEqual(['app-1.x86_64', 'zeta-1.x86_64']);
  });

  it('installs an obsoleting package for a plain name, and never both', () => {
    const pkgs = [pkg('old-1-1.x86_64'), pkg('new-2-1.x86_64', { obsoletes: ['old < 2'], provides: ['old = 2'] })];
    expect(solve(pkgs, ['old'])).toEqual(['new-2.x86_64']);
  });

  it('respects conflicts by choosing another provider', () => {
    const pkgs = [pkg('a-1-1.x86_64', { provides: ['x'], conflicts: ['b'] }), pkg('c-1-1.x86_64', { provides: ['x'] }), pkg('b-1-1.x86_64'), pkg('app-1-1.x86_64', { requires: ['x', 'b'] })];
    expect(solve(pkgs, ['app'])).toEqual(['app-1.x86_64', 'b-1.x86_64', 'c-1.x86_64']);
  });

  it('handles rich dependencies', () => {
    expect(parseRich('(a >= 1 or (b if c else d))')).toMatchObject({ op: 'or' });
    const pkgs = [
      pkg('a-1-1.noarch'), pkg('b-1-1.noarch'), pkg('c-1-1.noarch'), pkg('d-1-1.noarch'),
      pkg('or-1-1.noarch', { requires: ['(b or a)'] }),
      pkg('if-1-1.noarch', { requires: ['c', '(b if c else d)'] }),
      pkg('else-1-1.noarch', { requires: ['(b if c else d)'] }),
      pkg('and-1-1.noarch', { requires: ['(a and d)'] }),
    ];
    expect(solve(pkgs, ['or'])).toEqual(['a-1.noarch', 'or-1.noarch']);
    expect(solve(pkgs, ['if'])).toEqual(['b-1.noarch', 'c-1.noarch', 'if-1.noarch']);
    // libsolv decides (c or d) first and takes c by name, so b follows (dnf does the same)
    expect(solve(pkgs, ['else'])).toEqual(['b-1.noarch', 'c-1.noarch', 'else-1.noarch']);
    expect(solve(pkgs, ['and'])).toEqual(['a-1.noarch', 'and-1.noarch', 'd-1.noarch']);
  });

  it('pulls recommends and supplements only with weak deps on', () => {
    const pkgs = [pkg('app-1-1.noarch', { recommends: ['extra'] }), pkg('extra-1-1.noarch'), pkg('lang-1-1.noarch', { supplements: ['(app and en)'] }), pkg('en-1-1.noarch'), pkg('plug-1-1.noarch', { supplements: ['app'] })];
    expect(solve(pkgs, ['app'])).toEqual(['app-1.noarch', 'extra-1.noarch', 'plug-1.noarch']);
    expect(solve(pkgs, ['app'], { weakDeps: false })).toEqual(['app-1.noarch']);
  });

  it('answers file dependencies from primary and from filelists', () => {
    const owner = pkg('shell-1-1.x86_64', { files: ['/bin/sh'] });
    const lib = pkg('data-1-1.noarch');
    const pkgs = [owner, lib, pkg('app-1-1.x86_64', { requires: ['/bin/sh', '/usr/share/data/x'] })];
    expect(solve(pkgs, ['app'], { fileOwners: new Map([['/usr/share/data/x', [lib]]]) })).toEqual(['app-1.x86_64', 'data-1.noarch', 'shell-1.x86_64']);
  });

  it('applies excludes everywhere, not only to the request', () => {
    const pkgs = [pkg('alpha-1-1.x86_64', { provides: ['mta'] }), pkg('zeta-1-1.x86_64', { provides: ['mta'] }), pkg('app-1-1.x86_64', { requires: ['mta'] })];
    expect(solve(pkgs, ['app'], { exclude: ['alpha'] })).toEqual(['app-1.x86_64', 'zeta-1.x86_64']);
  });

  it('honours pins from a partial lock', () => {
    const pkgs = [pkg('lib-1.0-1.x86_64'), pkg('lib-2.0-1.x86_64'), pkg('app-1-1.x86_64', { requires: ['lib'] })];
    const pins = [{ name: 'lib', epoch: 0, version: '1.0', release: '1', arch: 'x86_64' }];
    expect(solve(pkgs, ['app'], { pins })).toEqual(['app-1.x86_64', 'lib-1.0.x86_64']);
  });

  it('explains an unsolvable request as a chain', () => {
    const pkgs = [pkg('bar-1.0-1.x86_64', { requires: ['libfoo.so.1()(64bit)'] }), pkg('top-1-1.x86_64', { requires: ['bar'] })];
    let err: unknown;
    try {
      solve(pkgs, ['top']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResolveError);
    expect((err as ResolveError).code).toBe('E_UNSOLVABLE');
    expect((err as Error).message).toContain('nothing provides libfoo.so.1()(64bit) needed by bar-1.0-1.x86_64 needed by top-1-1.x86_64 needed by top');
    expect(() => solve(pkgs, ['nope'])).toThrow(/No match for argument: nope/);
  });

  it('installs group packages present in the repos and skips missing ones with a warning', () => {
    const pkgs = [pkg('a-1-1.noarch'), pkg('b-1-1.noarch'), pkg('trigger-1-1.noarch'), pkg('cond-1-1.noarch')];
    const comps = {
      groups: [{ id: 'g', packages: [
        { name: 'a', type: 'mandatory' as const }, { name: 'missing', type: 'default' as const }, { name: 'b', type: 'optional' as const },
        { name: 'cond', type: 'conditional' as const, requires: 'trigger' },
      ] }],
      environments: [],
    };
    const r = resolvePackages({ repos: [{ id: 'r', priority: 99, cost: 1000, packages: pkgs }], comps, request: { specs: ['@g'], exclude: [], weakDeps: true, arch: 'x86_64' } });
    expect(r.packages.map((p) => p.name)).toEqual(['a']);
    expect(r.warnings).toEqual(['No match for group package "missing"']);
    const r2 = resolvePackages({ repos: [{ id: 'r', priority: 99, cost: 1000, packages: pkgs }], comps, request: { specs: ['@g', 'trigger'], exclude: [], weakDeps: true, arch: 'x86_64' } });
    expect(r2.packages.map((p) => p.name)).toEqual(['a', 'cond', 'trigger']);
  });

  it('environments: the grouplist (dnf 4); dnf5 adds the optionlist groups marked default', () => {
    const pkgs = ['core-pkg', 'std-pkg', 'opt-default-pkg', 'opt-pkg'].map((n) => pkg(`${n}-1-1.noarch`));
    const group = (id: string, name: string) => ({ id, packages: [{ name, type: 'mandatory' as const }] });
    const comps = {
      groups: [group('core', 'core-pkg'), group('standard', 'std-pkg'), group('opt-default', 'opt-default-pkg'), group('opt', 'opt-pkg')],
      environments: [{ id: 'minimal-environment', groups: ['core', 'standard', 'no-such-group'], options: [{ id: 'opt-default', default: true }, { id: 'opt', default: false }] }],
    };
    const names = (environmentDefaultOptions?: boolean) =>
      resolvePackages({ repos: [{ id: 'r', priority: 99, cost: 1000, packages: pkgs }], comps, request: { specs: ['@^minimal-environment'], exclude: [], weakDeps: true, arch: 'x86_64', environmentDefaultOptions } }).packages.map((p) => p.name);
    expect(names()).toEqual(['core-pkg', 'std-pkg']);
    expect(names(true)).toEqual(['core-pkg', 'opt-default-pkg', 'std-pkg']);
  });
});

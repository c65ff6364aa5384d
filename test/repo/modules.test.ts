// modules.yaml and modular filtering. Parity with dnf (libdnf) on the real CentOS Stream 9
// AppStream: the set of hidden packages must be identical for each module state; the
// dependency rules are also tested on small hand-made module sets.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeModularFilter, loadRepo, localOpener, parseModulesYaml, type RepoMetadata } from '../../builder/repo/index.js';
import type { ModuleIndex, ModuleStream } from '../../builder/repo/index.js';
import type { RepoPackage } from '../../builder/model/package.js';
import { fixture, REPO_ROOT, tools } from '../helpers/env.js';

const APPSTREAM = fixture('osbuild-osbuild', 'testrepos', 'appstream');
const nevra = (p: RepoPackage) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`;

describe('modules.yaml of CentOS Stream 9 AppStream', () => {
  let meta: RepoMetadata;
  beforeAll(async () => {
    meta = await loadRepo({ id: 'appstream', open: localOpener(APPSTREAM), want: { comps: false } });
  });

  it('has 31 module builds and 8 defaults documents, streams and versions exact', () => {
    const m = meta.modules!;
    expect(m.streams.length).toBe(31);
    expect(Object.keys(m.defaults).length).toBe(8);
    const mariadb = m.streams.find((s) => s.name === 'mariadb')!;
    // mariadb only build-requires the platform; maven:3.8 is the one with a run-time requires.
    expect(mariadb).toMatchObject({ stream: '10.11', version: '920240126110506', context: 'rhel9', arch: 'x86_64', requires: [{}] });
    expect(m.streams.find((s) => s.name === 'maven')!.requires).toEqual([{ platform: ['el9'] }]);
    expect(mariadb.profiles.server).toEqual(['mariadb-server']);
    expect(mariadb.artifacts).toContain('mariadb-3:10.11.6-1.module_el9+853+7b957b9b.x86_64');
    // CS9 ships defaults documents without a default stream: nothing is active by default.
    expect(m.defaults.mariadb).toEqual({ module: 'mariadb', profiles: { '10.11': ['server'] } });
    expect(new Set(m.streams.map((s) => `${s.name}:${s.stream}`))).toContain('php:8.3');
  });

  const cases: { args: string[]; enabled?: Record<string, string>; disabled?: string[]; defaults?: Record<string, string>; platform?: string }[] = [
    { args: [] },
    { args: ['--enable', 'nodejs:20'], enabled: { nodejs: '20' } },
    { args: ['--enable', 'postgresql:16', '--disable', 'nodejs'], enabled: { postgresql: '16' }, disabled: ['nodejs'] },
    { args: ['--default', 'nginx:1.24', '--default', 'php:8.2'], defaults: { nginx: '1.24', php: '8.2' } },
    { args: ['--default', 'nginx:1.24', '--disable', 'nginx', '--enable', 'ruby:3.3'], defaults: { nginx: '1.24' }, disabled: ['nginx'], enabled: { ruby: '3.3' } },
    { args: ['--enable', 'maven:3.8', '--enable', 'mariadb:10.11', '--enable', 'redis:7'], enabled: { maven: '3.8', mariadb: '10.11', redis: '7' } },
  ];
  it.skipIf(!tools('python3')).each(cases)('hides exactly what dnf hides: $args', (c) => {
    const out = execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'repo', 'dnf-modular.py'), APPSTREAM, c.platform ?? 'el9', ...c.args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ref = JSON.parse(out) as { hidden: string[]; total: number };
    expect(ref.total).toBe(17649);
    const modules: ModuleIndex = { ...meta.modules!, defaults: { ...meta.modules!.defaults } };
    for (const [k, v] of Object.entries(c.defaults ?? {})) modules.defaults[k] = { module: k, stream: v, profiles: {} };
    const f = computeModularFilter({ modules: [modules], packages: meta.packages, state: { platform: c.platform ?? 'el9', enabled: c.enabled, disabled: c.disabled } });
    expect(f.problems).toEqual([]);
    expect([...f.hidden].map(nevra).sort()).toEqual(ref.hidden);
    expect(ref.hidden.length).toBeGreaterThan(400);
  });

  it.skipIf(!tools('python3'))('an enabled stream whose platform does not match is reported, stays inactive, as in dnf', () => {
    const f = computeModularFilter({ modules: [meta.modules!], packages: meta.packages, state: { platform: 'el8', enabled: { maven: '3.8', nodejs: '20' } } });
    expect(f.active.map((m) => `${m.name}:${m.stream}`)).toEqual(['nodejs:20', 'nodejs:20']);
    expect(f.problems).toEqual(['module maven:3.8 cannot be activated: maven:3.8:470dcefd: platform:el8 is not one of [el9]']);
    const out = execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'repo', 'dnf-modular.py'), APPSTREAM, 'el8', '--enable', 'maven:3.8', '--enable', 'nodejs:20'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect([...f.hidden].map(nevra).sort()).toEqual(JSON.parse(out).hidden);
  });
});

describe('module dependency resolution (hand-made module sets)', () => {
  const build = (name: string, stream: string, version: string, requires: Record<string, string[]>[] = [{ platform: ['el9'] }], context = 'c1'): ModuleStream => ({
    name, stream, version, context, arch: 'x86_64', requires, profiles: {},
    artifacts: [`${name}-0:${stream}-1.module.x86_64`, `${name}-0:${stream}-1.module.src`],
  });
  const pkg = (name: string, version: string, release: string, arch = 'x86_64'): RepoPackage => ({
    name, epoch: 0, version, release, arch, repo: 'r', checksum: `sha256:${name}${version}${arch}`, location: `${name}.rpm`, sizePackage: 1, sizeInstalled: 1, files: [],
    provides: [], requires: [], conflicts: [], obsoletes: [], recommends: [], suggests: [], supplements: [], enhances: [],
  });
  const modules: ModuleIndex = {
    streams: [
      build('app', '1', '10', [{ platform: ['el9'], lib: ['2'] }]),
      build('lib', '1', '10'),
      build('lib', '2', '10'),
      build('lib', '2', '20'),
      build('old', '1', '10', [{ platform: ['el8'] }]),
      build('multi', '1', '10', [{ platform: ['el8'] }], 'ctx8'),
      build('multi', '1', '11', [{ platform: ['el9'] }], 'ctx9'),
      build('neg', '1', '10', [{ platform: ['-el9'] }]),
    ],
    defaults: { lib: { module: 'lib', stream: '1', profiles: {} } },
  };
  const packages = [pkg('app', '1', '1.module'), pkg('lib', '1', '1.module'), pkg('lib', '2', '1.module'), pkg('lib', '0.9', '1.el9'), pkg('lib', '0.9', '1.el9', 'i686'), pkg('other', '1', '1.el9')];
  const visible = (f: ReturnType<typeof computeModularFilter>) => packages.filter((p) => !f.hidden.has(p)).map(nevra);

  it('a default stream is active, its packages replace the non-modular ones of that name (all arches)', () => {
    const f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el9' } });
    expect(f.active.map((m) => `${m.name}:${m.stream}`)).toEqual(['lib:1']);
    expect(visible(f)).toEqual(['lib-0:1-1.module.x86_64', 'other-0:1-1.el9.x86_64']);
  });

  it('enabling a stream pulls in the stream it requires, over the default', () => {
    const f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el9', enabled: { app: '1' } } });
    expect(f.problems).toEqual([]);
    expect(f.active.map((m) => `${m.name}:${m.stream}:${m.version}`)).toEqual(['app:1:10', 'lib:2:20', 'lib:2:10']);
    expect(visible(f)).toEqual(['app-0:1-1.module.x86_64', 'lib-0:2-1.module.x86_64', 'other-0:1-1.el9.x86_64']);
  });

  it('a requirement on a disabled module fails with the reason', () => {
    const f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el9', enabled: { app: '1' }, disabled: ['lib'] } });
    expect(f.active).toEqual([]);
    expect(f.problems).toEqual(['module app:1 cannot be activated: app:1:c1: needs module lib, which is disabled']);
    // Disabled: no lib stream is active, so the non-modular lib is visible again.
    expect(visible(f)).toEqual(['lib-0:0.9-1.el9.x86_64', 'lib-0:0.9-1.el9.i686', 'other-0:1-1.el9.x86_64']);
  });

  it('picks the context whose platform matches; honours "-stream" exclusions', () => {
    let f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el9', enabled: { multi: '1' }, disabled: ['lib'] } });
    expect(f.active.map((m) => m.context)).toEqual(['ctx9']);
    f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el9', enabled: { neg: '1', old: '1' }, disabled: ['lib'] } });
    expect(f.active).toEqual([]);
    expect(f.problems).toHaveLength(2);
    f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el8', enabled: { neg: '1' }, disabled: ['lib'] } });
    expect(f.active.map((m) => m.name)).toEqual(['neg']);
  });

  it('repos that disagree on a default stream leave the module without a default', () => {
    const other: ModuleIndex = { streams: [], defaults: { lib: { module: 'lib', stream: '2', profiles: {} } } };
    const f = computeModularFilter({ modules: [modules, other], packages, state: { platform: 'el9' } });
    expect(f.active).toEqual([]);
  });

  it('module_hotfixes repos are never filtered', () => {
    const f = computeModularFilter({ modules: [modules], packages, state: { platform: 'el9' }, hotfixRepos: ['r'] });
    expect(f.hidden.size).toBe(0);
  });

  it('parses YAML errors and unsupported versions with a line', () => {
    expect(() => parseModulesYaml('---\ndocument: modulemd\nversion: 1\ndata: {name: x, stream: y}\n')).toThrow(/line 1: modulemd version 1 is not supported/);
    expect(() => parseModulesYaml('---\ndocument: modulemd\nversion: 2\ndata: [\n')).toThrow(/^line \d+: /);
  });
});

// Differential tests against the real dnf on RHEL 6 Server repodata: @core, @base, every
// comps group on its own, a few hundred single packages, with and without weak deps and
// with excludes. The resolved sets must be identical.
import { beforeAll, describe, expect, it } from 'vitest';
import { tools } from '../helpers/env.js';
import { RHEL6 } from '../helpers/stub-repo.js';
import { loadRepos, mismatches, type LoadedRepos } from './helpers/parity.js';

const HAVE = tools('dnf');
const base = { repos: { r: RHEL6 }, releasever: '6' };

describe.skipIf(!HAVE)('resolver vs dnf: RHEL 6 Server', () => {
  let L: LoadedRepos;
  beforeAll(async () => {
    L = await loadRepos({ r: RHEL6 });
  });

  it('@core and @base, with and without weak deps', () => {
    for (const weak of [false, true]) expect(mismatches(L.resolver, { ...base, weak, requests: [['@core'], ['@base'], ['@core', '@base']] })).toEqual([]);
  });

  it('every comps group on its own', () => {
    const groups = L.mds[0].comps!.groups.map((g) => ['@' + g.id]);
    expect(groups.length).toBeGreaterThan(150);
    expect(mismatches(L.resolver, { ...base, weak: false, requests: groups })).toEqual([]);
  });

  it('single packages (every 8th name, ~400)', () => {
    const names = [...new Set(L.mds[0].packages.filter((p) => p.arch !== 'src').map((p) => p.name))].sort();
    const picked = names.filter((_, i) => i % 8 === 0).map((n) => [n]);
    expect(picked.length).toBeGreaterThan(300);
    expect(mismatches(L.resolver, { ...base, weak: true, requests: picked })).toEqual([]);
  });

  it('specs dnf accepts besides names: arch, NEVRA, globs, provides, files', () => {
    const requests = [['glibc.i686'], ['bash-4.1.2-9.el6_2.x86_64'], ['perl-Net*'], ['libz.so.1()(64bit)'], ['/usr/bin/ssh'], ['/bin/sh'], ['config(openssh) = 5.3p1-81.el6_3'], ['no-such-package'], ['@no-such-group']];
    expect(mismatches(L.resolver, { ...base, weak: false, requests })).toEqual([]);
  });

  it('excludes apply to the whole solution', () => {
    const requests = [['@core'], ['@base'], ['openssh-server'], ['kernel'], ['postfix'], ['sendmail']];
    for (const exclude of [['kernel*'], ['postfix', 'libselinux-utils'], ['*.i686', 'dracut*']]) expect(mismatches(L.resolver, { ...base, weak: false, exclude, requests })).toEqual([]);
  });
});

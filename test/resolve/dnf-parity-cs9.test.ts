// Differential tests against the real dnf on CentOS Stream 9 AppStream (2025) with its real
// modules.yaml. There is no BaseOS here, so most requests are unsatisfiable: dnf and we must
// agree on which ones fail, and on the exact sets of those that resolve. Modular packages
// are hidden unless their stream is active (default streams vs `dnf module enable`).
import { beforeAll, describe, expect, it } from 'vitest';
import { computeModularFilter } from '../../builder/repo/index.js';
import { richOf } from '../../builder/resolve/cnf.js';
import { PoolIndex } from '../../builder/resolve/pool.js';
import { isRich, type RichDep } from '../../builder/resolve/richdep.js';
import type { RepoPackage } from '../../builder/model/package.js';
import { genRepo } from './helpers/gen-repo.js';
import { tools } from '../helpers/env.js';
import { CS9_APPSTREAM } from '../helpers/stub-repo.js';
import { loadRepos, mismatches, type LoadedRepos } from './helpers/parity.js';

const ENABLE = ['nodejs:18', 'php:8.2', 'nginx:1.24', 'postgresql:16', 'redis:7', 'ruby:3.3', 'mariadb:10.11', 'maven:3.8'];

/**
 * A stand-in BaseOS: one package providing every capability and file AppStream needs but
 * does not provide itself, so most AppStream requests resolve to their full closure.
 */
function baseosStub(pkgs: RepoPackage[]): string {
  const ix = new PoolIndex({ repos: [{ id: 'a', priority: 99, cost: 1000, packages: pkgs }], arch: 'x86_64' });
  const caps = new Set<string>();
  const files = new Set<string>();
  const leaf = (name: string) => {
    if (!ix.whatProvides({ name }).length) (name.startsWith('/') ? files : caps).add(name);
  };
  const walk = (n: RichDep): void => {
    if (n.op === 'dep') leaf(n.dep.name);
    else if ('args' in n) n.args.forEach(walk);
    else [n.then, n.cond, ...(n.else ? [n.else] : [])].forEach(walk);
  };
  for (const p of pkgs) {
    if (p.arch === 'src') continue;
    for (const d of [...p.requires, ...p.recommends]) {
      if (d.name.startsWith('rpmlib(')) continue;
      if (isRich(d.name)) walk(richOf(d.name));
      else leaf(d.name);
    }
  }
  return genRepo([{ name: 'baseos-stub', provides: [...caps].sort(), files: [...files].sort() }]);
}

describe.skipIf(!tools('dnf'))('resolver vs dnf: CentOS Stream 9 AppStream with modules', () => {
  let L: LoadedRepos;
  beforeAll(async () => {
    L = await loadRepos({ appstream: CS9_APPSTREAM });
  }, 600_000);

  it('default module state: every 12th package, with weak deps', () => {
    const md = L.mds[0];
    const f = computeModularFilter({ modules: [md.modules!], packages: md.packages, arches: ['x86_64', 'noarch'] });
    expect(f.hidden.size).toBeGreaterThan(0);
    const names = [...new Set(md.packages.filter((p) => p.arch !== 'src' && !f.hidden.has(p)).map((p) => p.name))].sort();
    const requests = names.filter((_, i) => i % 12 === 0).map((n) => [n]);
    // a hidden (modular) package must not be found at all
    const modular = [...f.hidden].find((p) => p.arch !== 'src')!;
    requests.push([modular.name]);
    expect(mismatches(L.resolver, { repos: { appstream: CS9_APPSTREAM }, weak: true, requests }, { hidden: f.hidden })).toEqual([]);
  });

  it('enabled streams: every modular package, with and without weak deps', () => {
    const md = L.mds[0];
    const f = computeModularFilter({ modules: [md.modules!], packages: md.packages, arches: ['x86_64', 'noarch'], state: { platform: 'el9', enabled: Object.fromEntries(ENABLE.map((e) => e.split(':'))) } });
    expect(f.problems).toEqual([]);
    const names = [...new Set(f.active.flatMap((m) => m.artifacts).map((a) => a.replace(/-[0-9]+:.*/, '')))].sort();
    expect(names.length).toBeGreaterThan(100);
    for (const weak of [true, false]) {
      const q = { repos: { appstream: CS9_APPSTREAM }, weak, enable_modules: ENABLE, module_platform_id: 'platform:el9', requests: names.map((n) => [n]) };
      expect(mismatches(L.resolver, q, { hidden: f.hidden })).toEqual([]);
    }
  });

  it('with a stand-in BaseOS: full closures (every 20th package), with and without weak deps', async () => {
    const stub = baseosStub(L.mds[0].packages);
    const S = await loadRepos({ appstream: CS9_APPSTREAM, baseos: stub });
    const md = S.mds[0];
    const f = computeModularFilter({ modules: [md.modules!], packages: S.mds.flatMap((m) => m.packages), arches: ['x86_64', 'noarch'] });
    const names = [...new Set(md.packages.filter((p) => p.arch !== 'src' && !f.hidden.has(p)).map((p) => p.name))].sort();
    // python3.11-requests+socks: `((a < 1.5.7 or a > 1.5.7) with a >= 1.5.6)`, an `or` inside a `with`
    const requests = [...names.filter((_, i) => i % 20 === 0).map((n) => [n]), ['@core'], ['@development'], ['python3.11-requests+socks']];
    for (const weak of [true, false]) expect(mismatches(S.resolver, { repos: { appstream: CS9_APPSTREAM, baseos: stub }, weak, requests }, { hidden: f.hidden })).toEqual([]);
  }, 900_000);
});

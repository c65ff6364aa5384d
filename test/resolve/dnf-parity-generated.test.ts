// Differential tests against the real dnf on generated repos (real RPMs from rpmbuild,
// real createrepo_c metadata) that exercise what RHEL 6 data lacks: rich dependencies,
// weak dependencies, obsoletes, conflicts, file dependencies, alternatives, multilib,
// versions across repos.
import { beforeAll, describe, expect, it } from 'vitest';
import { tools } from '../helpers/env.js';
import { genRepo, type GenPackage } from './helpers/gen-repo.js';
import { ResolveError } from '../../builder/resolve/index.js';
import { dnfBatch } from './helpers/oracle.js';
import { loadRepos, mismatches, type LoadedRepos } from './helpers/parity.js';

const HAVE = tools('dnf', 'rpmbuild', 'createrepo_c');

const PKGS: GenPackage[] = [
  // alternatives and tie-breaks
  { name: 'mta-zeta', provides: ['mta'] },
  { name: 'mta-alpha', provides: ['mta'] },
  { name: 'needs-mta', requires: ['mta'] },
  { name: 'needs-mta-zeta', requires: ['mta', 'mta-zeta'] },
  // versions
  { name: 'lib', version: '1.0' },
  { name: 'lib', version: '2.0' },
  { name: 'lib', version: '2.0', release: '2' },
  { name: 'old-user', requires: ['lib < 2.0'] },
  { name: 'new-user', requires: ['lib >= 2.0-2'] },
  { name: 'any-user', requires: ['lib = 2.0'] },
  { name: 'epoch-pkg', version: '0.5', epoch: 1 },
  { name: 'epoch-user', requires: ['epoch-pkg >= 1.0'] },
  // obsoletes and conflicts
  { name: 'legacy', version: '1.0' },
  { name: 'modern', version: '2.0', obsoletes: ['legacy < 2.0'], provides: ['legacy = 2.0'] },
  { name: 'wants-legacy', requires: ['legacy'] },
  { name: 'clash-a', provides: ['impl'], conflicts: ['partner'] },
  { name: 'clash-b', provides: ['impl'] },
  { name: 'partner' },
  { name: 'needs-impl-and-partner', requires: ['impl', 'partner'] },
  // rich dependencies
  { name: 'rich-or', requires: ['(mta-zeta or mta-alpha)'] },
  { name: 'rich-and', requires: ['(lib and partner)'] },
  { name: 'cond-c' },
  { name: 'cond-b' },
  { name: 'cond-d' },
  { name: 'rich-if', requires: ['(cond-b if cond-c)'] },
  { name: 'rich-if-else', requires: ['(cond-b if cond-c else cond-d)'] },
  { name: 'rich-if-trigger', requires: ['cond-c', '(cond-b if cond-c else cond-d)'] },
  { name: 'rich-unless', requires: ['cond-b'], conflicts: ['(cond-b unless cond-c)'] },
  { name: 'rich-with', requires: ['(lib with lib >= 2.0)'] },
  // `with` over an `or` (python3.11-requests+socks): libsolv's whatprovides of the whole
  { name: 'rich-with-or', requires: ['((lib < 2.0 or lib > 2.0) with lib >= 1.0)'] },
  { name: 'rich-without-and', requires: ['((lib or partner) without lib < 2.0)'] },
  { name: 'rich-nested', requires: ['((mta-alpha and partner) or (cond-d and lib < 2.0))'] },
  { name: 'rich-conflict', conflicts: ['(mta-alpha and partner)'], requires: ['mta'] },
  // weak dependencies
  { name: 'weak-app', recommends: ['weak-extra', 'weak-missing'], suggests: ['weak-sugg'] },
  { name: 'weak-extra' },
  { name: 'weak-sugg' },
  { name: 'weak-lang', supplements: ['(weak-app and langpacks-en)'] },
  { name: 'langpacks-en' },
  { name: 'weak-plugin', supplements: ['weak-app'] },
  { name: 'weak-alt-app', recommends: ['mta'] },
  { name: 'weak-rich-app', recommends: ['(cond-b if cond-c)', '(partner or cond-d)'] },
  { name: 'weak-broken', recommends: ['broken-extra'] },
  // the order recommends are taken in: dnf's libsolv lists plain names before versioned or
  // rich ones, and often-used names first (its .solv id order), not rpm's alphabetical order
  { name: 'ord-app', recommends: ['ord-aaa-ver >= 1.0', 'ord-zzz-plain'] },
  { name: 'ord-aaa-ver', conflicts: ['ord-zzz-plain'] },
  { name: 'ord-zzz-plain' },
  { name: 'ord-app2', recommends: ['ord-alpha', 'ord-omega'] },
  { name: 'ord-alpha', conflicts: ['ord-omega'] },
  { name: 'ord-omega' },
  { name: 'ord-omega-user1', requires: ['ord-omega'] },
  { name: 'ord-omega-user2', requires: ['ord-omega'] },
  { name: 'broken-extra', requires: ['nothing-has-this'] },
  // file dependencies
  { name: 'shell-provider', files: ['/usr/bin/vzsh'] },
  { name: 'data-provider', files: ['/usr/share/vzdata/data.txt'] },
  { name: 'file-user', requires: ['/usr/bin/vzsh', '/usr/share/vzdata/data.txt'] },
  // multilib
  { name: 'mlib', arch: 'x86_64' },
  { name: 'mlib', arch: 'i686' },
  { name: 'mlib-user', arch: 'x86_64', requires: ['mlib'] },
  // lock-step: an i686 build needs its x86_64 twin unless a job selects an i686 build of
  // that name itself; a job selecting only x86_64 lockstep-1.0 keeps the rule
  { name: 'lockstep', version: '1.0', arch: 'x86_64' },
  { name: 'lockstep', version: '3.0', arch: 'x86_64' },
  { name: 'lockstep', version: '3.0', arch: 'i686' },
  { name: 'lockstep-user', requires: ['lockstep >= 3.0'] },
  // best=True: a job whose best candidate cannot be installed fails as a whole (libsolv
  // turns the failed best rule into "do not ask to install X"), older versions or not
  { name: 'bestfail', version: '2.0', requires: ['bestfail-missing-two'] },
  { name: 'bestfail', version: '1.0', requires: ['bestfail-missing-one'] },
  { name: 'bestok', version: '2.0', requires: ['bestfail-missing-two'] },
  { name: 'bestok', version: '1.0' },
  { name: 'bestok-clash', conflicts: ['bestok < 2.0'] },
  { name: 'bestalt-a', version: '2.0', provides: ['bestalt'], requires: ['bestfail-missing-two'] },
  { name: 'bestalt-a', version: '1.0', provides: ['bestalt'] },
  { name: 'bestalt-b', version: '2.0', provides: ['bestalt'] },
  // unsolvable
  { name: 'broken-chain', requires: ['broken-extra'] },
];

describe.skipIf(!HAVE)('resolver vs dnf: generated repos', () => {
  let L: LoadedRepos;
  let dir: string;
  beforeAll(async () => {
    dir = genRepo(PKGS);
    L = await loadRepos({ gen: dir });
  }, 600_000);

  const names = [...new Set(PKGS.map((p) => p.name))];
  it('every package on its own, with and without weak deps', () => {
    for (const weak of [true, false]) expect(mismatches(L.resolver, { repos: { gen: dir }, weak, requests: names.map((n) => [n]) })).toEqual([]);
  });

  it('combinations, globs, provides, files and excludes', () => {
    const requests = [['needs-mta', 'mta-zeta'], ['weak-app', 'langpacks-en'], ['rich-if', 'cond-c'], ['weak-rich-app', 'cond-c'], ['mlib.i686'], ['weak-*'], ['mta'], ['/usr/bin/vzsh'], ['lib-1.0'], ['rich-*'], ['bestalt'], ['bestalt', 'bestok-clash'], ['lockstep-1.0', 'lockstep-user'], ['lockstep.i686', 'lockstep-user'], ['lockstep-1.0', 'lockstep.i686']];
    expect(mismatches(L.resolver, { repos: { gen: dir }, weak: true, requests })).toEqual([]);
    expect(mismatches(L.resolver, { repos: { gen: dir }, weak: true, exclude: ['mta-alpha', 'lib-2.0-2*'], requests: [...requests, ...names.map((n) => [n])] })).toEqual([]);
  });

  it('best=False (Fedora\'s dnf.conf): an older version when the newest cannot be installed', () => {
    const requests = [...names.map((n) => [n]), ['bestok', 'bestok-clash'], ['bestalt', 'bestok-clash'], ['bestok', 'bestalt-a']];
    for (const weak of [true, false]) expect(mismatches(L.resolver, { repos: { gen: dir }, weak, best: false, requests })).toEqual([]);
    // and it did: bestok-2.0 is broken, 1.0 is taken
    expect(L.resolver.resolve({ specs: ['bestok'], exclude: [], weakDeps: true, best: false }).packages.map((p) => `${p.name}-${p.version}`)).toEqual(['bestok-1.0']);
  });

  it('unsolvable requests: every problem dnf reports, each with its "nothing provides … needed by" chain', () => {
    const requests = [['broken-chain', 'broken-extra'], ['broken-chain', 'mta-alpha', 'rich-conflict', 'partner'], ['broken-chain', 'weak-broken'], ['broken-extra'], ['bestfail'], ['bestok', 'bestok-clash'], ['bestok', 'bestalt-a'], ['bestfail', 'bestalt', 'bestok-clash']];
    const answers = dnfBatch({ repos: { gen: dir }, weak: true, requests });
    requests.forEach((specs, i) => {
      const want = answers[i];
      if (want.ok) throw new Error(`dnf solved ${specs.join(' ')}`);
      // dnf: "Problem 1: …\n  - nothing provides X needed by P\n Problem 2: …" (one problem: "Problem: …")
      const dnfProblems = want.error.split(/\n Problem(?: \d+)?: /).slice(1);
      let err: unknown;
      try {
        L.resolver.resolve({ specs, exclude: [], weakDeps: true });
      } catch (e) {
        err = e;
      }
      expect(err, specs.join(' ')).toBeInstanceOf(ResolveError);
      const ours = (err as ResolveError).problems;
      expect(ours.length, `${specs.join(' ')}: ${ours.join(' | ')} vs dnf ${want.error}`).toBe(dnfProblems.length);
      dnfProblems.forEach((text, k) => {
        const chains = [...text.matchAll(/nothing provides (\S+) needed by (\S+)/g)].map((m) => `nothing provides ${m[1]} needed by ${m[2]}`);
        if (chains.length) expect(chains.some((c) => ours[k].includes(c)), `problem ${k + 1}: ${ours[k]} vs dnf ${text}`).toBe(true);
      });
      if (ours.length > 1) expect((err as ResolveError).message).toContain('Problem 2: ');
    });
  });

  it('comps: groups and environments as dnf installs them (grouplist; optionlist only on request)', async () => {
    const group = (id: string, pkgs: [string, string][]) =>
      `<group><id>${id}</id><name>${id}</name><packagelist>${pkgs.map(([n, t]) => `<packagereq type="${t}">${n}</packagereq>`).join('')}</packagelist></group>`;
    const comps = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<comps>',
      group('core', [['env-core', 'mandatory'], ['env-core-default', 'default'], ['env-core-optional', 'optional']]),
      group('standard', [['env-std', 'mandatory']]),
      group('extras', [['env-extra', 'mandatory']]),
      group('more', [['env-more', 'mandatory']]),
      '<environment><id>minimal-environment</id><name>Minimal</name>',
      '<grouplist><groupid>core</groupid><groupid>standard</groupid><groupid>no-such-group</groupid></grouplist>',
      '<optionlist><groupid default="true">extras</groupid><groupid>more</groupid></optionlist></environment>',
      '</comps>',
      '',
    ].join('\n');
    const names = ['env-core', 'env-core-default', 'env-core-optional', 'env-std', 'env-extra', 'env-more'];
    const cdir = genRepo(names.map((name) => ({ name })), comps);
    const C = await loadRepos({ c: cdir });
    const requests = [['@^minimal-environment'], ['@minimal-environment'], ['@core'], ['@extras', '@standard']];
    expect(mismatches(C.resolver, { repos: { c: cdir }, weak: true, requests })).toEqual([]);
    // and dnf did install something: the grouplist's packages, none of the optionlist's
    const env = C.resolver.resolve({ specs: ['@^minimal-environment'], exclude: [], weakDeps: true }).packages.map((p) => p.name);
    expect(env).toEqual(['env-core', 'env-core-default', 'env-std']);
  });

  it('a random repo (found by a seeded fuzz run): a rich recommendation\'s candidate that is already ruled out is no candidate', async () => {
    // p0-2.0 recommends p10 and (cap0 and p3); taking p10-2.0 pulls in p8-2.0 (cap0), which
    // p3-1.0 conflicts with: p3-1.0 must not be tried as the second recommendation
    const pkgs: GenPackage[] = [
    { name: 'p0', version: '1.0', arch: 'noarch', provides: ['cap3'] },
    { name: 'p0', version: '2.0', arch: 'noarch', provides: ['cap2'], recommends: ['p10', '(cap0 and p3)'], suggests: ['p0'] },
    { name: 'p1', version: '1.0', arch: 'noarch', requires: ['(p0 or p4)'], recommends: ['p6'] },
    { name: 'p1', version: '2.0', arch: 'noarch', recommends: ['p5 >= 1.0'] },
    { name: 'p2', version: '1.0', arch: 'noarch', requires: ['p10 < 2.0'] },
    { name: 'p2', version: '2.0', arch: 'noarch', requires: ['missing-thing'], provides: ['cap1 = 2'] },
    { name: 'p2', version: '3.0', arch: 'noarch', suggests: ['p0'] },
    { name: 'p3', version: '1.0', arch: 'noarch', conflicts: ['cap0'] },
    { name: 'p4', version: '1.0', arch: 'x86_64', requires: ['(p0 or p5)'], provides: ['cap1 = 1'] },
    { name: 'p5', version: '1.0', arch: 'noarch', supplements: ['p4'] },
    { name: 'p6', version: '1.0', arch: 'x86_64', requires: ['p4'] },
    { name: 'p7', version: '1.0', arch: 'noarch', requires: ['cap3'] },
    { name: 'p8', version: '1.0', arch: 'noarch', requires: ['p6 >= 2.0', 'p1'], provides: ['cap3'], conflicts: ['cap2'], recommends: ['p5'] },
    { name: 'p8', version: '2.0', arch: 'noarch', provides: ['cap0 = 2'], recommends: ['p0', 'p3 >= 2.0'] },
    { name: 'p8', version: '3.0', arch: 'noarch', conflicts: ['p10 < 2.0'], recommends: ['p9'] },
    { name: 'p9', version: '1.0', arch: 'x86_64', requires: [], suggests: ['p6'] },
    { name: 'p9', version: '1.0', arch: 'i686', requires: [], suggests: ['p6'] },
    { name: 'p9', version: '2.0', arch: 'x86_64', requires: ['p6'] },
    { name: 'p9', version: '3.0', arch: 'x86_64', recommends: ['p2 >= 3.0'] },
    { name: 'p9', version: '3.0', arch: 'i686', recommends: ['p2 >= 3.0'] },
    { name: 'p10', version: '1.0', arch: 'noarch', requires: ['p2'], provides: ['cap3'], obsoletes: ['p0 < 2.0'], suggests: ['p1'] },
    { name: 'p10', version: '2.0', arch: 'noarch', requires: ['cap1', '(cap0 and p2)'], provides: ['cap2 = 2'] },
    { name: 'p10', version: '3.0', arch: 'noarch', requires: ['p5 < 2.0'], conflicts: ['p4 < 2.0'], obsoletes: ['p3 < 4.0'] },
    ];
    const rdir = genRepo(pkgs);
    const R = await loadRepos({ r: rdir });
    for (const weak of [true, false]) expect(mismatches(R.resolver, { repos: { r: rdir }, weak, requests: [['cap2', 'cap1'], ['cap2'], ['p0', 'p4'], ['cap0', 'cap3']] })).toEqual([]);
  });

  it('comps conditional packages whose condition has several providers: a best rule per clause', async () => {
    // (cond-pkg if cond-req) with two cond-req builds is two clauses; with best=True each
    // gets its best rule, so a broken newest cond-pkg fails whichever cond-req is installed
    const comps = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<comps><group><id>cond</id><name>cond</name><packagelist>',
      '<packagereq type="mandatory">cond-base</packagereq>',
      '<packagereq type="conditional" requires="cond-req">cond-pkg</packagereq>',
      '</packagelist></group></comps>',
      '',
    ].join('\n');
    const pkgs: GenPackage[] = [
      { name: 'cond-base' },
      { name: 'cond-req', version: '1.0' },
      { name: 'cond-req', version: '2.0' },
      { name: 'cond-pkg', version: '1.0' },
      { name: 'cond-pkg', version: '2.0', requires: ['cond-missing'] },
    ];
    const cdir = genRepo(pkgs, comps);
    const C = await loadRepos({ c: cdir });
    const requests = [['@cond'], ['@cond', 'cond-req-1.0'], ['@cond', 'cond-req-2.0'], ['@cond', 'cond-req']];
    for (const best of [true, false]) expect(mismatches(C.resolver, { repos: { c: cdir }, weak: true, best, requests })).toEqual([]);
  });
});

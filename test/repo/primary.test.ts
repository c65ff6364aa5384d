// primary.xml on real repositories, field by field against an independent reader
// (Python's ElementTree, test/repo/read-primary.py).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepo, loadRepomd, localOpener } from '../../builder/repo/index.js';
import { parsePrimaryEncoded } from '../../builder/repo/load-repo.js';
import { unpack } from '../../builder/repo/packages-codec.js';
import { decodePackages, PackageStore } from '../../builder/repo/package-store.js';
import { DEP_KINDS, type PackageIndex, type RepoPackage } from '../../builder/model/package.js';
import { fixture, REPO_ROOT, tools } from '../helpers/env.js';

const RHEL6 = fixture('pulp_rpm', 'rhel6-test_comps_with_xz_compress');
const APPSTREAM = fixture('osbuild-osbuild', 'testrepos', 'appstream');

function reference(repo: string, every: number): { count: number; packages: Record<string, unknown>[] } {
  const dir = join(repo, 'repodata');
  const primary = join(dir, readdirSync(dir).find((n) => n.includes('-primary.xml'))!);
  const out = execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'repo', 'read-primary.py'), primary, String(every)], { maxBuffer: 1 << 30, encoding: 'utf8' });
  return JSON.parse(out);
}

/** Our package in the reference's shape (the fields the independent reader reports). */
function project(p: RepoPackage, keys: string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) o[k] = (p as unknown as Record<string, unknown>)[k] ?? null;
  return o;
}

/** Every field, lists included (packages read from the cache make their lists on first use). */
function plain(p: RepoPackage): Record<string, unknown> {
  const { name, epoch, version, release, arch, repo, checksum, location, locationBase, sizePackage, sizeInstalled, sourcerpm, buildtime, files } = p;
  return { name, epoch, version, release, arch, repo, checksum, location, locationBase, sizePackage, sizeInstalled, sourcerpm, buildtime, files, ...Object.fromEntries(DEP_KINDS.map((k) => [k, p[k]])) };
}

/** The index as the resolver built it before: Maps over every package's fields. */
function checkIndex(packages: RepoPackage[], index: PackageIndex): void {
  const by = (f: (p: RepoPackage) => string[]) => {
    const m = new Map<string, number[]>();
    packages.forEach((p, i) => {
      for (const k of new Set(f(p))) m.set(k, [...(m.get(k) ?? []), i]);
    });
    return m;
  };
  const cases: [Map<string, number[]>, (k: string) => ArrayLike<number>][] = [
    [by((p) => [p.name]), (k) => index.byName(k)],
    [by((p) => [p.name, ...p.provides.map((d) => d.name)]), (k) => index.byProvide(k)],
    [by((p) => p.obsoletes.map((d) => d.name)), (k) => index.byObsolete(k)],
    [by((p) => p.files), (k) => index.byFile(k)],
  ];
  for (const [ref, get] of cases) {
    for (const [k, ids] of ref) expect([...Array.from(get(k))], k).toEqual(ids);
    expect(Array.from(get('no such name ever'))).toEqual([]);
  }
  expect(Array.from(index.supplementing)).toEqual(packages.flatMap((p, i) => (p.supplements.length ? [i] : [])));
  expect(Array.from(index.weak)).toEqual(packages.flatMap((p, i) => (p.supplements.length || p.enhances.length ? [i] : [])));
}

describe.skipIf(!tools('python3'))('primary.xml against ElementTree', () => {
  it('RHEL 6 Server: every one of 3657 packages, sha1 checksums', async () => {
    const meta = await loadRepo({ id: 'rhel6', open: localOpener(RHEL6) });
    const ref = reference(RHEL6, 1);
    expect(meta.packages.length).toBe(3657);
    expect(ref.count).toBe(3657);
    const keys = Object.keys(ref.packages[0]);
    for (let i = 0; i < ref.packages.length; i++) expect(project(meta.packages[i], keys)).toEqual(ref.packages[i]);
    expect(meta.packages.every((p) => /^sha1:[0-9a-f]{40}$/.test(p.checksum) && p.repo === 'rhel6')).toBe(true);
    expect(meta.revision).toBe('1355930139');
    const repomd = readFileSync(join(RHEL6, 'repodata', 'repomd.xml'));
    expect(meta.repomdChecksum).toBe(`sha256:${createHash('sha256').update(repomd).digest('hex')}`);
    expect(meta.records.primary).toMatchObject({ checksum: 'sha1:6b575c847d7974516d28d6185f315e0e85696d86', size: 1337274, openSize: 11874757 });
    expect(meta.records.group.checksum).toBe('sha256:26c5585cb5dd45868f1eac054aa537ada506722534250c61f61f1532eb04fb7a');
  });

  it('CentOS Stream 9 AppStream: 17,649 packages, every 23rd compared in full', async () => {
    const meta = await loadRepo({ id: 'appstream', open: localOpener(APPSTREAM), want: { modules: false, comps: false } });
    const ref = reference(APPSTREAM, 23);
    expect(meta.packages.length).toBe(17649);
    expect(ref.count).toBe(17649);
    const keys = Object.keys(ref.packages[0]);
    expect(ref.packages.length).toBeGreaterThan(700);
    for (let i = 0; i < ref.packages.length; i++) expect(project(meta.packages[i * 23], keys)).toEqual(ref.packages[i]);
    const arches = new Map<string, number>();
    for (const p of meta.packages) arches.set(p.arch, (arches.get(p.arch) ?? 0) + 1);
    expect(Object.fromEntries(arches)).toEqual({ x86_64: 9263, i686: 2689, noarch: 5697 });
    // Rich dependencies keep their whole text as the name, with no sense.
    const rich = meta.packages.flatMap((p) => p.requires).find((d) => d.name.startsWith('('));
    expect(rich).toBeDefined();
    expect(rich!.sense).toBeUndefined();
  });
});

describe('primary.xml on worker threads', () => {
  // The pieces are cut at <package> starts and parsed on their own; the result must not show it.
  it('gives exactly the packages and cache encoding of a parse on one thread (RHEL 6, CS9 AppStream)', async () => {
    for (const repo of [RHEL6, APPSTREAM]) {
      const md = await loadRepomd('r', localOpener(repo));
      const spec = { repo: 'r', open: localOpener(repo), record: md.records.primary };
      const one = (await parsePrimaryEncoded(spec, 0)).store;
      const par = await parsePrimaryEncoded(spec, 2);
      const many = par.store;
      expect(many.packages.length).toBe(one.packages.length);
      for (let i = 0; i < one.packages.length; i++) expect(plain(many.packages[i])).toStrictEqual(plain(one.packages[i]));
      // the cache file of pieces decodes to the same packages
      const again = decodePackages(unpack(par.encode({ key: 'k' })), 'r');
      for (let i = 0; i < one.packages.length; i += 7) expect(plain(again[i])).toStrictEqual(plain(one.packages[i]));
      expect(again.length).toBe(one.packages.length);
      // the lookups the resolver uses, from one piece and from several
      checkIndex(one.packages, one);
      checkIndex(many.packages, many);
      const fileDeps = new Set(one.packages.flatMap((p) => DEP_KINDS.filter((k) => k !== 'provides').flatMap((k) => p[k].map((d) => d.name).filter((n) => n.startsWith('/')))));
      expect([...many.fileDeps()].sort()).toEqual([...fileDeps].sort());
      // the index kept in the cache file answers as the one built from the parse
      const stored = new PackageStore([unpack(par.encode({ key: 'k' }))], 'r');
      expect(stored.packages.length).toBe(one.packages.length);
      checkIndex(one.packages, stored);
    }
  });
});

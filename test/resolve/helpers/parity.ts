// Shared plumbing for the dnf differential tests: load real repodata through the repo
// stage, build a resolver, and compare its answers with dnf's for many requests.
import { silentLogger } from '../../../builder/context.js';
import type { RepoPackage } from '../../../builder/model/package.js';
import { mergeComps } from '../../../builder/pipeline/resolve-fresh.js';
import { loadRepo, localOpener, PRIMARY_FILES_RE } from '../../../builder/repo/index.js';
import type { RepoMetadata } from '../../../builder/repo/types.js';
import { createResolver, type Resolver } from '../../../builder/resolve/index.js';
import { dnfBatch, type OracleQuery } from './oracle.js';

export interface LoadedRepos {
  mds: RepoMetadata[];
  resolver: Resolver;
}

export async function loadRepos(dirs: Record<string, string>, arch = 'x86_64'): Promise<LoadedRepos> {
  const mds: RepoMetadata[] = [];
  for (const [id, dir] of Object.entries(dirs)) mds.push(await loadRepo({ id, open: localOpener(dir) }, { log: silentLogger }));
  const all = mds.flatMap((m) => m.packages);
  const fileOwners = new Map<string, RepoPackage[]>();
  for (const path of fileDepsBeyondPrimary(all)) {
    const owners: RepoPackage[] = [];
    for (const md of mds) owners.push(...(await md.whoOwnsFile(path)));
    if (owners.length) fileOwners.set(path, owners);
  }
  const resolver = createResolver({ repos: mds.map((m) => ({ id: m.id, priority: 99, cost: 1000, packages: m.packages, index: m.index })), arch, comps: mergeComps(mds), fileOwners });
  return { mds, resolver };
}

/** Paths used as dependencies that primary.xml's file subset does not cover. */
export function fileDepsBeyondPrimary(pkgs: Iterable<RepoPackage>): Set<string> {
  const out = new Set<string>();
  for (const p of pkgs)
    for (const deps of [p.requires, p.conflicts, p.obsoletes, p.recommends, p.suggests, p.supplements, p.enhances])
      for (const d of deps) if (d.name.startsWith('/') && !PRIMARY_FILES_RE.test(d.name)) out.add(d.name);
  return out;
}

export const nevra = (p: RepoPackage) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`;

/** Every request where we and dnf disagree (set difference, or error vs no error). */
export function mismatches(resolver: Resolver, q: OracleQuery, opts: { hidden?: ReadonlySet<RepoPackage> } = {}): string[] {
  const answers = dnfBatch(q);
  const out: string[] = [];
  q.requests.forEach((specs, i) => {
    const want = answers[i];
    let ours: string[] | Error;
    try {
      ours = resolver.resolve({ specs, exclude: q.exclude ?? [], weakDeps: q.weak, best: q.best }, opts).packages.map(nevra).sort();
    } catch (e) {
      ours = e as Error;
    }
    const label = specs.join(' ');
    if (ours instanceof Error || !want.ok) {
      if (ours instanceof Error && !want.ok) return;
      out.push(`${label}: dnf ${want.ok ? `ok (${want.pkgs.length})` : 'failed: ' + want.error.trim().split('\n')[0]}, ours ${ours instanceof Error ? 'failed: ' + ours.message.split('\n').slice(0, 2).join(' ') : `ok (${ours.length})`}`);
      return;
    }
    const a = new Set(ours);
    const b = new Set(want.pkgs);
    const extra = ours.filter((x) => !b.has(x));
    const missing = want.pkgs.filter((x) => !a.has(x));
    if (extra.length || missing.length) out.push(`${label}: extra [${extra.slice(0, 6).join(' ')}${extra.length > 6 ? ' …' : ''}] missing [${missing.slice(0, 6).join(' ')}${missing.length > 6 ? ' …' : ''}]`);
  });
  return out;
}

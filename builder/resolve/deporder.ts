// The order in which libsolv (as dnf loads it) lists a package's dependencies. dnf reads
// repos through libsolv's .solv cache, and repo_write stores every dependency array sorted
// by the ids of its string table: plain names first (sorted by how often the repo uses the
// string, then strcmp), then versioned and rich dependencies (by how often they are used,
// then the order libsolv first met them in primary.xml). rpm's header order (primary.xml's)
// is alphabetical instead. The solver walks recommends in this order, and which
// recommendation is taken first can change the outcome, so it must be the same.
import type { Dep, PackageIndex, RepoPackage } from '../model/package.js';
import { isRich } from './richdep.js';

/** The dependency lists besides provides, in createrepo_c's primary.xml order. */
const OTHER_KINDS = ['requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'] as const;

function evrString(e: { epoch: number; version: string; release?: string }): string {
  return `${e.epoch ? e.epoch + ':' : ''}${e.version}${e.release !== undefined ? '-' + e.release : ''}`;
}

function depKey(d: Dep): string {
  return d.sense && d.evr ? `${d.name}\0${d.sense}\0${evrString(d.evr)}` : d.name;
}

/**
 * Per repo, libsolv's sort keys for the dependencies the solver walks in order (the
 * recommends of packages with more than one): a string's use count over the repo, a
 * relation's use count and first sighting. Only those strings and relations are counted:
 * provides through the repo's provide index, the other (much shorter) lists in one pass.
 */
export class DepOrder {
  private readonly strNeed = new Map<string, number>();
  private readonly relNeed = new Map<string, number>();
  private readonly relSeq = new Map<string, number>();

  constructor(packages: readonly RepoPackage[], index: PackageIndex) {
    /** Names of the tracked relations (a dep of another name cannot be one of them). */
    const relNames = new Set<string>();
    for (const p of packages) {
      const recs = p.recommends;
      if (recs.length < 2) continue;
      for (const d of recs) {
        if (isRich(d.name)) this.relNeed.set(d.name, 0);
        else if (d.sense && d.evr) {
          this.relNeed.set(depKey(d), 0);
          relNames.add(d.name);
        } else this.strNeed.set(d.name, 0);
      }
    }
    if (!this.strNeed.size && !this.relNeed.size) return;
    const strNeed = this.strNeed;
    const relNeed = this.relNeed;
    const str = (s: string) => {
      const n = strNeed.get(s);
      if (n !== undefined) strNeed.set(s, n + 1);
    };
    // a relation counts per use; its parts once per distinct relation (repo_write)
    const seenRel = new Set<string>();
    const useRel = (key: string, parts: () => string[]) => {
      const n = relNeed.get(key);
      if (n !== undefined) relNeed.set(key, n + 1);
      if (seenRel.has(key)) return;
      seenRel.add(key);
      this.relSeq.set(key, this.relSeq.size);
      for (const x of parts()) str(x);
    };
    const use = (d: Dep) => {
      const name = d.name;
      if (name.charCodeAt(0) === 40 /* ( */) useRel(name, () => name.split(/[\s()]+/));
      else if (!d.sense || !d.evr) str(name);
      else if (strNeed.has(name) || relNames.has(name)) useRel(depKey(d), () => [name]);
    };
    // provides (the long lists): only those of the tracked names, from the index
    for (const name of [...strNeed.keys(), ...relNames]) {
      const named = index.byName(name);
      for (let k = 0; k < named.length; k++) str(name);
      const prov = index.byProvide(name);
      for (let k = 0; k < prov.length; k++) for (const d of packages[prov[k]].provides) if (d.name === name) use(d);
    }
    for (const p of packages) {
      const src = p.sourcerpm;
      if (src) {
        // name-version-release.src.rpm: the source name counts where it is not the name
        const r = src.lastIndexOf('-');
        const v = r > 0 ? src.lastIndexOf('-', r - 1) : -1;
        if (v > 0) {
          const srcName = src.slice(0, v);
          if (srcName !== p.name) str(srcName);
        }
      }
      for (const kind of OTHER_KINDS) {
        const deps = p[kind];
        for (let i = 0; i < deps.length; i++) use(deps[i]);
      }
    }
  }

  /** The dependencies in libsolv's order (a new array; the input is not changed). */
  sort(deps: readonly Dep[]): Dep[] {
    const keyOf = (d: Dep): { rel: boolean; need: number; tie: string | number } => {
      const rel = isRich(d.name) || !!(d.sense && d.evr);
      if (!rel) return { rel, need: this.strNeed.get(d.name) ?? 0, tie: d.name };
      const k = isRich(d.name) ? d.name : depKey(d);
      return { rel, need: this.relNeed.get(k) ?? 0, tie: this.relSeq.get(k) ?? 0 };
    };
    const keyed = deps.map((d) => ({ d, k: keyOf(d) }));
    keyed.sort((a, b) => {
      if (a.k.rel !== b.k.rel) return a.k.rel ? 1 : -1;
      if (a.k.need !== b.k.need) return b.k.need - a.k.need;
      if (typeof a.k.tie === 'number') return a.k.tie - (b.k.tie as number);
      return Buffer.compare(Buffer.from(a.k.tie), Buffer.from(b.k.tie as string));
    });
    return keyed.map((x) => x.d);
  }
}

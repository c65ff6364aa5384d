// The order in which libsolv (as dnf loads it) lists a package's dependencies. dnf reads
// repos through libsolv's .solv cache, and repo_write stores every dependency array sorted
// by the ids of its string table: plain names first (sorted by how often the repo uses the
// string, then strcmp), then versioned and rich dependencies (by how often they are used,
// then the order libsolv first met them in primary.xml). rpm's header order (primary.xml's)
// is alphabetical instead. The solver walks recommends in this order, and which
// recommendation is taken first can change the outcome, so it must be the same.
import type { Dep, RepoPackage } from '../model/package.js';
import { isRich } from './richdep.js';

/** createrepo_c's element order in primary.xml: the order libsolv meets dependencies. */
const KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'] as const;

function evrString(e: { epoch: number; version: string; release?: string }): string {
  return `${e.epoch ? e.epoch + ':' : ''}${e.version}${e.release !== undefined ? '-' + e.release : ''}`;
}

function depKey(d: Dep): string {
  return d.sense && d.evr ? `${d.name}\0${d.sense}\0${evrString(d.evr)}` : d.name;
}

/**
 * Per repo, libsolv's sort keys for the dependencies the solver walks in order (the
 * recommends of packages with more than one): a string's use count over the repo, a
 * relation's use count and creation index. Only those strings and relations are counted,
 * so building this costs one pass over the repo's dependency names.
 */
export class DepOrder {
  private readonly strNeed = new Map<string, number>();
  private readonly relNeed = new Map<string, number>();
  private readonly relSeq = new Map<string, number>();
  /** Names of the tracked relations: only deps with such a name can be one of them. */
  private readonly relNames = new Set<string>();

  constructor(packages: readonly RepoPackage[]) {
    for (const p of packages) {
      if (p.recommends.length < 2) continue;
      for (const d of p.recommends) {
        if (isRich(d.name)) this.relNeed.set(d.name, 0);
        else if (d.sense && d.evr) {
          this.relNeed.set(depKey(d), 0);
          this.relNames.add(d.name);
        } else this.strNeed.set(d.name, 0);
      }
    }
    if (!this.strNeed.size && !this.relNeed.size) return;
    const strNeed = this.strNeed;
    const str = (s: string) => {
      const n = strNeed.get(s);
      if (n !== undefined) strNeed.set(s, n + 1);
    };
    // a relation's parts count once per distinct relation (repo_write's second pass)
    const seenRel = new Set<string>();
    const rel = (key: string, name: string, evr: string) => {
      if (!this.relSeq.has(key)) this.relSeq.set(key, this.relSeq.size);
      if (seenRel.has(key)) return;
      seenRel.add(key);
      str(name);
      str(evr);
    };
    for (const p of packages) {
      str(p.name);
      str(p.arch);
      const srcName = p.sourcerpm?.replace(/-[^-]+-[^-]+\.(no)?src\.rpm$/, '');
      if (srcName && srcName !== p.name) str(srcName);
      for (const kind of KINDS) {
        const deps = p[kind];
        for (let i = 0; i < deps.length; i++) {
          const d = deps[i];
          const name = d.name;
          if (name.charCodeAt(0) === 40 /* ( */) {
            if (this.relNeed.has(name)) this.relNeed.set(name, this.relNeed.get(name)! + 1);
            if (!this.relSeq.has(name)) this.relSeq.set(name, this.relSeq.size);
            if (!seenRel.has(name)) {
              seenRel.add(name);
              // the rich dependency's leaves, once per distinct expression
              for (const leaf of richLeaves(name)) str(leaf);
            }
          } else if (d.sense && d.evr) {
            if (!strNeed.has(name) && !this.relNames.has(name)) continue;
            const key = depKey(d);
            const n = this.relNeed.get(key);
            if (n !== undefined) this.relNeed.set(key, n + 1);
            rel(key, name, '');
          } else str(name);
        }
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

/** The words of a rich dependency: its names (plus operators and versions, never tracked). */
function richLeaves(text: string): string[] {
  return text.split(/[\s()]+/);
}

// Who in this transaction provides what: rpm's "available list" (lib/rpmal.c) for the
// packages being installed, answering a Requires with the package(s) that satisfy it by
// a Provides (with rpm's range overlap rule) or by owning the file. Pure.
import type { Dep, Sense } from '../model/package.js';
import { RPMSENSE } from '../rpm/tags.js';
import { compareEvr } from '../rpm/vercmp.js';

export interface ProviderPackage {
  name: string;
  arch: string;
  provides: Dep[];
  files: { path: string }[];
  /** rpm's header colour (OR of file colours); not the arch: rpm decides by ELF class. */
  color: number;
}

const LESS = 1;
const GREATER = 2;
const EQUAL = 4;
const SENSE_BITS: Record<Sense, number> = { LT: LESS, LE: LESS | EQUAL, EQ: EQUAL, GE: GREATER | EQUAL, GT: GREATER };

/** rpmdsCompare: do a Provides and a Requires range overlap? Unversioned sides always do. */
export function rangesOverlap(provide: Dep, require: Dep): boolean {
  if (provide.name !== require.name) return false;
  if (!require.sense || !require.evr || !provide.sense || !provide.evr) return true;
  const a = SENSE_BITS[provide.sense];
  const b = SENSE_BITS[require.sense];
  const sense = compareEvr(provide.evr, require.evr);
  if (sense < 0) return !!(a & GREATER) || !!(b & LESS);
  if (sense > 0) return !!(a & LESS) || !!(b & GREATER);
  return (!!(a & EQUAL) && !!(b & EQUAL)) || (!!(a & LESS) && !!(b & LESS)) || (!!(a & GREATER) && !!(b & GREATER));
}

/** rpm's transaction colour of a package (1 = 32-bit, 2 = 64-bit, 0 = none), used to prefer the native provider. */
export function archColor(arch: string): number {
  if (arch === 'noarch') return 0;
  return /^(i[3-6]86|athlon|geode|armv[5-7].*|ppc|s390)$/.test(arch) ? 1 : 2;
}

export interface ProviderIndex {
  /** Indexes of packages satisfying `dep`, in insertion order. */
  all(dep: Dep): number[];
  /** The one rpm picks (rpmalSatisfiesDepend): preferred colour, then self, then first. */
  best(dep: Dep, self: number, prefColor: number): number | undefined;
}

export function indexProviders(pkgs: readonly ProviderPackage[]): ProviderIndex {
  const byName = new Map<string, { pkg: number; dep: Dep }[]>();
  const byFile = new Map<string, number[]>();
  pkgs.forEach((p, i) => {
    // Every package provides its own name = EVR (rpmbuild adds it; repo data may omit it).
    for (const d of p.provides) {
      let l = byName.get(d.name);
      if (!l) byName.set(d.name, (l = []));
      l.push({ pkg: i, dep: d });
    }
    for (const f of p.files) {
      let l = byFile.get(f.path);
      if (!l) byFile.set(f.path, (l = []));
      if (l[l.length - 1] !== i) l.push(i);
    }
  });
  const all = (dep: Dep): number[] => {
    // rpmalAllSatisfiesDepend: a path is looked up among files first, then among provides.
    if (dep.name.startsWith('/')) {
      const owners = byFile.get(dep.name);
      if (owners?.length) return [...owners];
    }
    const out: number[] = [];
    for (const e of byName.get(dep.name) ?? []) if (rangesOverlap(e.dep, dep) && !out.includes(e.pkg)) out.push(e.pkg);
    return out;
  };
  return {
    all,
    best(dep, self, prefColor) {
      const providers = all(dep);
      let best: number | undefined;
      let bestScore = 0;
      for (const p of providers) {
        let score = 0;
        if (prefColor && pkgs[p].color === prefColor) score += 2;
        if (p === self) score += 1;
        if (score > bestScore) {
          bestScore = score;
          best = p;
        }
      }
      return best ?? providers[0];
    },
  };
}

const INSTALL_ONLY = RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST | RPMSENSE.RPMLIB | RPMSENSE.KEYRING | RPMSENSE.PRETRANS | RPMSENSE.POSTTRANS;
const ALL_REQUIRES =
  RPMSENSE.INTERP | RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST | RPMSENSE.SCRIPT_PREUN | RPMSENSE.SCRIPT_POSTUN | RPMSENSE.SCRIPT_VERIFY |
  RPMSENSE.FIND_REQUIRES | RPMSENSE.RPMLIB | RPMSENSE.TRIGGERPREIN | RPMSENSE.KEYRING | RPMSENSE.PRETRANS | RPMSENSE.POSTTRANS | RPMSENSE.PREREQ;

export interface HeaderDep extends Dep {
  /** Not an ordering relation (rpmlib(), config(), Requires(pretrans|posttrans)). */
  orderless?: boolean;
}

/** Does this Requires order the transaction? (Deps from repo metadata carry no flags: judge by name.) */
export function relevantForOrder(d: HeaderDep): boolean {
  if (d.orderless) return false;
  return !d.name.startsWith('rpmlib(') && !d.name.startsWith('config(');
}

/** Turn a header dependency (name, flags, "E:V-R") into a Dep; `pre` = an install-time prerequisite as rpm's order sees it. */
export function depFromHeader(name: string, flags: number, evr: string): HeaderDep {
  const d: HeaderDep = { name };
  const lge = flags & (RPMSENSE.LESS | RPMSENSE.GREATER | RPMSENSE.EQUAL);
  if (lge && evr) {
    d.sense = (
      { [RPMSENSE.LESS]: 'LT', [RPMSENSE.LESS | RPMSENSE.EQUAL]: 'LE', [RPMSENSE.EQUAL]: 'EQ', [RPMSENSE.GREATER | RPMSENSE.EQUAL]: 'GE', [RPMSENSE.GREATER]: 'GT' } as Record<number, Sense>
    )[lge];
    d.evr = parseEvrLoose(evr);
  }
  // Legacy PreReq (PREREQ with no script bit) is mapped to Requires(pre), as rpm does.
  if (flags & INSTALL_ONLY || (flags & ALL_REQUIRES) === RPMSENSE.PREREQ) d.pre = true;
  // rpm's order skips rpmlib(), config() and %pretrans/%posttrans-only requirements.
  if (flags & (RPMSENSE.RPMLIB | RPMSENSE.CONFIG | RPMSENSE.PRETRANS | RPMSENSE.POSTTRANS)) (d as HeaderDep).orderless = true;
  return d;
}

function parseEvrLoose(s: string): NonNullable<Dep['evr']> {
  const colon = s.indexOf(':');
  let epoch = 0;
  let rest = s;
  if (colon > 0 && /^\d+$/.test(s.slice(0, colon))) {
    epoch = Number(s.slice(0, colon));
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { epoch, version: rest } : { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

// Package rules as libsolv's rules.c makes them: walking the dependency graph from the
// job candidates (and packages supplementing anything reachable), one clause per requires
// (-pkg | providers...), conflicts/obsoletes/same-name pairs (-a | -b), non-installable
// packages as (-pkg). Then sorted and deduplicated exactly as solver_unifyrules() does,
// because that order is the order in which the solver later makes its choices.
import { depCnf, depFulfilled, depProviders } from './cnf.js';
import type { Pool } from './pool.js';
import { isRich } from './richdep.js';

export type Rule = number[];

/** libsolv's unifyrules_sortcmp on [p, ...rest] literal arrays (rest = w2 or d-list). */
export function ruleCmp(a: Rule, b: Rule): number {
  const x = a[0] - b[0];
  if (x) return x;
  const ad = a.length > 2;
  const bd = b.length > 2;
  if (!ad && !bd) return (a[1] ?? 0) - (b[1] ?? 0);
  if (!ad) {
    const y = (a[1] ?? 0) - b[1];
    return y ? y : -1;
  }
  if (!bd) {
    const y = a[1] - (b[1] ?? 0);
    return y ? y : 1;
  }
  let i = 1;
  for (; i < b.length; i++) {
    const y = (a[i] ?? 0) - b[i];
    if (y) return y;
  }
  return a[i] ?? 0;
}

export interface PkgRules {
  rules: Rule[];
  /** Solvables that got rules (libsolv's addedmap). */
  added: Uint8Array;
}

export function buildPkgRules(pool: Pool, roots: number[], multiversion: (id: number) => boolean): PkgRules {
  const added = new Uint8Array(pool.size);
  const rules: Rule[] = [];
  const add = (lits: number[]) => {
    // binary and clause rules are kept sorted ascending, as solver_addrule normalizes them
    rules.push(lits.length === 2 && lits[0] > lits[1] ? [lits[1], lits[0]] : lits);
  };
  const addClause = (n: number, clause: number[]) => {
    if (clause.includes(n)) return; // self-fulfilling
    // provider lists are ascending, so (-n, providers...) already is; mixed clauses get sorted
    if (clause[0] > 0) add([-n, ...clause]);
    else add([...new Set([-n, ...clause])].sort((a, b) => a - b));
  };

  const visit = (start: number) => {
    const work = [start];
    for (let wi = 0; wi < work.length; wi++) {
      const n = work[wi];
      if (added[n]) continue;
      added[n] = 1;
      const s = pool.solvables[n];
      if (!s.installable) add([-n]);
      const pkg = s.pkg;
      for (const req of pkg.requires) {
        if (req.name.startsWith('rpmlib(')) continue;
        if (!isRich(req.name)) {
          // the common case, without building a one-clause CNF
          const prov = pool.whatProvides(req);
          if (!prov.length) add([-n]);
          else if (!prov.includes(n)) add([-n, ...prov]);
          for (const p of prov) if (!added[p]) work.push(p);
          continue;
        }
        for (const clause of depCnf(pool, req)) {
          if (!clause.length) add([-n]);
          else addClause(n, clause);
          for (const p of clause) if (p > 0 && !added[p]) work.push(p);
        }
      }
      for (const con of pkg.conflicts) {
        if (!isRich(con.name)) {
          for (const p of pool.whatProvides(con)) if (p !== n) add([-n, -p]); // self-conflict is allowed (rpm)
          continue;
        }
        for (const clause of depCnf(pool, con, true)) {
          if (clause.length === 1 && clause[0] === -n) continue;
          if (!clause.length) add([-n]);
          else addClause(n, clause);
          for (const p of clause) if (p > 0 && !added[p]) work.push(p);
        }
      }
      const multi = multiversion(n);
      for (const obs of pkg.obsoletes) {
        for (const p of pool.whatProvides(obs)) {
          if (p === n || !pool.matchesNevr(p, obs)) continue;
          add([-n, -p]);
        }
      }
      for (const p of pool.byName(s.name)) {
        if (p === n) continue;
        const ps = pool.solvables[p];
        if (multi && (ps.arch !== s.arch || ps.evr.version !== s.evr.version || ps.evr.release !== s.evr.release || ps.evr.epoch !== s.evr.epoch)) continue;
        if (!pool.colorMatch(n, p)) continue;
        add([-n, -p]);
      }
      // lock-step candidates: same name and EVR on a lesser arch
      if (s.archScore !== 1) {
        for (const p of pool.byName(s.name)) {
          const ps = pool.solvables[p];
          if (added[p] || ps.archScore === 1 || ps.archScore >= s.archScore) continue;
          if (ps.evr.epoch === s.evr.epoch && ps.evr.version === s.evr.version && ps.evr.release === s.evr.release) work.push(p);
        }
      }
      for (const d of pkg.recommends) for (const p of depProviders(pool, d)) if (!added[p]) work.push(p);
      for (const d of pkg.suggests) for (const p of depProviders(pool, d)) if (!added[p]) work.push(p);
    }
  };

  for (const r of roots) visit(r);
  // solver_addpkgrulesforweak: packages that supplement/enhance something possible
  const weakCandidates = pool.weakIds.map((id) => pool.solvables[id]).filter((s) => s.installable);
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of weakCandidates) {
      if (added[s.id]) continue;
      const possible = (id: number) => added[id] === 1;
      if (s.pkg.supplements.some((d) => depFulfilled(pool, d, possible)) || s.pkg.enhances.some((d) => depFulfilled(pool, d, possible))) {
        visit(s.id);
        changed = true;
      }
    }
  }
  rules.sort(ruleCmp);
  const out: Rule[] = [];
  for (const r of rules) if (!out.length || ruleCmp(out[out.length - 1], r) !== 0) out.push(r);
  return { rules: out, added };
}

/**
 * solver_addinfarchrules with implicitobsoleteusescolors (dnf's setting): a package of an
 * inferior arch class (i686 next to x86_64) may only be installed in lock-step with a
 * best-class package of the same name and EVR: (-p | same-EVR best-arch packages...).
 */
export function buildInfarchRules(pool: Pool, added: Uint8Array): Rule[] {
  const out: Rule[] = [];
  const done = new Set<string>();
  for (let i = 2; i < pool.size; i++) {
    if (!added[i]) continue;
    const s = pool.solvables[i];
    if (done.has(s.name)) continue;
    done.add(s.name);
    const same = pool.byName(s.name);
    let best = 0;
    for (const p of same) {
      if (!added[p]) continue;
      const a = pool.solvables[p].archScore;
      if (a && a !== 1 && (!best || a < best)) best = a;
    }
    if (!best) continue;
    for (const p of same) {
      if (!added[p]) continue;
      const ps = pool.solvables[p];
      const a = ps.archScore;
      if (a === 1 || ((a ^ best) & 0xffff0000) === 0) continue;
      const lsq = same.filter((q) => {
        const qs = pool.solvables[q];
        if (q === p || qs.arch === ps.arch) return false;
        if (qs.evr.epoch !== ps.evr.epoch || qs.evr.version !== ps.evr.version || qs.evr.release !== ps.evr.release) return false;
        const a2 = qs.archScore;
        return a2 !== 0 && (a2 === 1 || ((a2 ^ best) & 0xffff000) === 0); // libsolv's mask, sic
      });
      out.push([-p, ...lsq]);
    }
  }
  return out;
}

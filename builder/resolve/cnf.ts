// Boolean dependencies to clauses over solvable ids, as libsolv's cplxdeps.c does it:
// requires become CNF (every clause one rule), conflicts the CNF of the negation.
// A clause is a sorted list of literals (id = installed, -id = not installed);
// [] (no clauses) is "always true", [[]] (one empty clause) is "never".
import type { Dep } from '../model/package.js';
import type { Pool } from './pool.js';
import { isRich, parseRich, type RichDep } from './richdep.js';

export type Cnf = number[][];
const TRUE: Cnf = [];
const FALSE: Cnf = [[]];

const parsed = new Map<string, RichDep>();
export function richOf(name: string): RichDep {
  let r = parsed.get(name);
  if (!r) {
    r = parseRich(name);
    parsed.set(name, r);
  }
  return r;
}

function clause(lits: Iterable<number>): number[] | undefined {
  const s = [...new Set(lits)].sort((a, b) => a - b);
  for (const l of s) if (l > 0 && s.includes(-l)) return undefined; // tautology
  return s;
}

function and(parts: Cnf[]): Cnf {
  const out: Cnf = [];
  for (const p of parts) {
    if (p.length === 1 && p[0].length === 0) return FALSE;
    out.push(...p);
  }
  return out;
}

function or(parts: Cnf[]): Cnf {
  let acc: Cnf = FALSE;
  for (const p of parts) {
    if (p.length === 0) return TRUE;
    if (acc.length === 1 && acc[0].length === 0) {
      acc = p;
      continue;
    }
    const next: Cnf = [];
    for (const a of acc) for (const b of p) {
      const c = clause([...a, ...b]);
      if (c) next.push(c);
    }
    if (next.length === 0) return TRUE;
    acc = next;
  }
  return acc;
}

/**
 * libsolv's pool_whatprovides of any boolean expression: `with` intersects, `without`
 * subtracts, and `and`/`or`/`if`/`unless` merge the providers of both sides (a condition
 * counts as true, so `if` without `else` gives its left side only).
 */
function whatProvidesRich(pool: Pool, n: RichDep): number[] {
  if (n.op === 'dep') return pool.whatProvides(n.dep);
  if (n.op === 'with' || n.op === 'without') {
    let r = whatProvidesRich(pool, n.args[0]);
    for (const a of n.args.slice(1)) {
      const s = new Set(whatProvidesRich(pool, a));
      r = r.filter((x) => s.has(x) === (n.op === 'with'));
    }
    return r;
  }
  const parts = 'args' in n ? n.args : [n.then, ...(n.else ? [n.else] : [])];
  return [...new Set(parts.flatMap((a) => whatProvidesRich(pool, a)))].sort((a, b) => a - b);
}

/**
 * Providers of a leaf: a plain dep, or `with`/`without` (one package must match both /
 * only the first), which libsolv does not split into clauses (not a "complex" dep) but
 * answers with whatprovides, whatever its operands are.
 */
function leafProviders(pool: Pool, n: RichDep): number[] | undefined {
  if (n.op === 'dep') return pool.whatProvides(n.dep);
  if (n.op === 'with' || n.op === 'without') return whatProvidesRich(pool, n);
  return undefined;
}

export function richCnf(pool: Pool, n: RichDep, neg: boolean): Cnf {
  const leaf = leafProviders(pool, n);
  if (leaf) {
    if (!neg) return leaf.length ? [leaf] : FALSE;
    return leaf.map((p) => [-p]);
  }
  switch (n.op) {
    case 'and':
      return neg ? or(n.args.map((a) => richCnf(pool, a, true))) : and(n.args.map((a) => richCnf(pool, a, false)));
    case 'or':
      return neg ? and(n.args.map((a) => richCnf(pool, a, true))) : or(n.args.map((a) => richCnf(pool, a, false)));
    case 'if': {
      // (T if C) = T or !C;  (T if C else E) = (T or !C) and (C or E)
      const C = (x: boolean) => richCnf(pool, n.cond, x);
      const T = (x: boolean) => richCnf(pool, n.then, x);
      const E = n.else ? (x: boolean) => richCnf(pool, n.else!, x) : undefined;
      if (!neg) return and([or([C(true), T(false)]), ...(E ? [or([C(false), E(false)])] : [])]);
      // not: (C and !T) or (!C and !E)
      return E ? or([and([C(false), T(true)]), and([C(true), E(true)])]) : and([C(false), T(true)]);
    }
    case 'unless': {
      // libsolv: (T unless C) = T and !C;  (T unless C else E) = (T and !C) or (E and C)
      const C = (x: boolean) => richCnf(pool, n.cond, x);
      const T = (x: boolean) => richCnf(pool, n.then, x);
      const E = n.else ? (x: boolean) => richCnf(pool, n.else!, x) : undefined;
      if (!neg) return E ? or([and([T(false), C(true)]), and([E(false), C(false)])]) : and([T(false), C(true)]);
      // not: (!T or C) [and (!E or !C)]
      return and([or([T(true), C(false)]), ...(E ? [or([E(true), C(true)])] : [])]);
    }
    default:
      return FALSE;
  }
}

/** The clauses of a dependency (simple or rich); `neg` gives those of its negation. */
export function depCnf(pool: Pool, dep: Dep, neg = false): Cnf {
  if (isRich(dep.name)) return richCnf(pool, richOf(dep.name), neg);
  const p = pool.whatProvides(dep);
  if (!neg) return p.length ? [p] : FALSE;
  return p.map((x) => [-x]);
}

/** Every provider mentioned anywhere in a dependency (for walking the graph). */
export function depProviders(pool: Pool, dep: Dep): number[] {
  if (!isRich(dep.name)) return pool.whatProvides(dep);
  const out: number[] = [];
  const walk = (n: RichDep) => {
    if (n.op === 'dep') out.push(...pool.whatProvides(n.dep));
    else if (n.op === 'if' || n.op === 'unless') [n.then, n.cond, ...(n.else ? [n.else] : [])].forEach(walk);
    else if ('args' in n) n.args.forEach(walk);
  };
  walk(richOf(dep.name));
  return out;
}

/** Is the dependency true when exactly the packages with installed(id) are installed? */
export function depFulfilled(pool: Pool, dep: Dep, installed: (id: number) => boolean): boolean {
  const ev = (n: RichDep): boolean => {
    const leaf = leafProviders(pool, n);
    if (leaf) return leaf.some(installed);
    switch (n.op) {
      case 'and':
        return n.args.every(ev);
      case 'or':
        return n.args.some(ev);
      case 'if':
        return ev(n.cond) ? ev(n.then) : n.else ? ev(n.else) : true;
      case 'unless':
        return !ev(n.cond) ? ev(n.then) : n.else ? ev(n.else) : false;
      default:
        return false;
    }
  };
  if (!isRich(dep.name)) return pool.whatProvides(dep).some(installed);
  return ev(richOf(dep.name));
}

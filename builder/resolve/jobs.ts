// Turning a request into solver jobs the way dnf does it: `dnf install SPEC` becomes one
// "install one of" job over every package matching the spec (all versions and arches, plus
// the packages obsoleting a plain name), flagged best (dnf's best=True); `@group` adds a job
// per mandatory/default package present in the repos (missing ones are skipped with dnf's
// warning) and a "(pkg if req)" job per conditional package; `@^env` does that for each
// group of the environment's grouplist (and, dnf5-style, its default options). Group jobs come after the
// plain specs, as dnf adds comps jobs when it resolves.
import type { Dep } from '../model/package.js';
import { depCnf } from './cnf.js';
import { ResolveError } from './errors.js';
import type { Pool } from './pool.js';
import type { Rule } from './rules.js';
import { globRegExp, isGlob, parseDepSpec, queryNevra } from './specs.js';
import type { CompsData, ResolveInput } from './types.js';

export interface Job {
  /** What the user asked for: "bash", "@core", "@core: (foo if bar)". */
  label: string;
  rules: Rule[];
  forceBest: boolean;
  /** dnf's package-set jobs carry SOLVER_SETARCH: they switch off infarch rules of their names. */
  setArch: boolean;
}

function oneOf(label: string, ids: number[]): Job {
  const c = [...new Set(ids)].sort((a, b) => a - b);
  return { label, rules: [c], forceBest: true, setArch: true };
}

/** hawkey's filter(obsoletes=q): packages whose Obsoletes match a package of q. */
function obsoletersOf(pool: Pool, ids: number[]): number[] {
  const names = new Set(ids.map((i) => pool.solvables[i].name));
  const out = new Set<number>();
  for (const n of names)
    for (const sid of pool.obsoletersOfName(n)) {
      const s = pool.solvables[sid];
      if (s.installable && s.pkg.obsoletes.some((o) => o.name === n && ids.some((i) => pool.matchesNevr(i, o)))) out.add(sid);
    }
  return [...out];
}

function considered(pool: Pool) {
  return pool.solvables.filter((s) => s && s.installable).map((s) => s.pkg);
}

function specJobs(pool: Pool, spec: string): Job[] {
  // Fast path: without '.' or globs, the NAME reading is the first that can match.
  const byName = !spec.includes('.') && !isGlob(spec) ? pool.byName(spec).filter((i) => pool.solvables[i].installable) : [];
  const hit = byName.length ? { pattern: { form: 'name' as const, name: spec }, matches: byName.map((i) => pool.solvables[i].pkg) } : queryNevra(spec, considered(pool));
  if (hit) {
    const ids = hit.matches.map((p) => pool.idOfPackage(p)!);
    const withObsoletes = hit.pattern.form === 'name';
    if (isGlob(spec) && !spec.startsWith('/')) {
      const byName = new Map<string, number[]>();
      for (const id of [...ids].sort((a, b) => a - b)) {
        const n = pool.solvables[id].name;
        byName.set(n, [...(byName.get(n) ?? []), id]);
      }
      return [...byName.entries()].map(([name, group]) => oneOf(`${spec} (${name})`, withObsoletes ? [...group, ...obsoletersOf(pool, group)] : group));
    }
    return [oneOf(spec, withObsoletes ? [...ids, ...obsoletersOf(pool, ids)] : ids)];
  }
  let ids: number[] = [];
  if (isGlob(spec)) {
    const re = globRegExp(spec);
    for (const s of pool.solvables) {
      if (!s || !s.installable) continue;
      if (re.test(s.name) || s.pkg.provides.some((d) => re.test(d.name)) || (spec.startsWith('/') && s.pkg.files.some((f) => re.test(f)))) ids.push(s.id);
    }
  } else {
    const dep = parseDepSpec(spec);
    if (dep) ids = pool.whatProvides(dep).filter((i) => pool.solvables[i].installable);
  }
  if (!ids.length) throw new ResolveError('E_NO_MATCH', `No match for argument: ${spec}`, { hint: 'check the name, or whether an exclude or a module filter hides it' });
  return [oneOf(spec, ids)];
}

function groupJobs(pool: Pool, comps: CompsData | undefined, spec: string, arch: string, defaultOptions: boolean, warnings: string[]): Job[] {
  const id = spec.replace(/^@\^?/, '');
  const env = comps?.environments.find((e) => e.id === id) ?? comps?.environments.find((e) => e.name === id);
  const group = comps?.groups.find((g) => g.id === id) ?? comps?.groups.find((g) => g.name === id);
  // dnf 4's environment install: the grouplist, in order; missing groups are skipped
  const envGroups = env && [...new Set([...env.groups, ...(defaultOptions ? env.options.filter((o) => o.default).map((o) => o.id) : [])])];
  const groups = spec.startsWith('@^') || (env && !group) ? envGroups?.map((g) => comps!.groups.find((x) => x.id === g)).filter((g) => !!g) : group ? [group] : undefined;
  if (!groups) throw new ResolveError('E_NO_MATCH', `No match for group or environment: ${id}`, { hint: 'the repos\' comps data has no such id or name' });
  const jobs: Job[] = [];
  for (const g of groups) {
    for (const ref of g!.packages) {
      if (ref.type === 'optional') continue;
      const ids = pool.byName(ref.name).filter((i) => pool.solvables[i].installable && (!ref.basearchonly || pool.solvables[i].arch === arch));
      if (!ids.length) {
        warnings.push(`No match for group package "${ref.name}${ref.basearchonly ? '.' + arch : ''}"`);
        continue;
      }
      if (ref.type === 'conditional' && ref.requires) {
        const dep: Dep = { name: `(${ref.name} if ${ref.requires})` };
        const cnf = depCnf(pool, dep);
        jobs.push({ label: `@${g!.id}: ${dep.name}`, rules: cnf.length ? cnf : [], forceBest: true, setArch: false });
        continue;
      }
      jobs.push(oneOf(`@${g!.id}`, [...ids, ...obsoletersOf(pool, ids)]));
    }
  }
  return jobs;
}

export function buildJobs(pool: Pool, input: ResolveInput, warnings: string[]): Job[] {
  const plain: Job[] = [];
  const comps: Job[] = [];
  for (const spec of input.request.specs) {
    if (spec.startsWith('@')) comps.push(...groupJobs(pool, input.comps, spec, input.request.arch, !!input.request.environmentDefaultOptions, warnings));
    else plain.push(...specJobs(pool, spec));
  }
  return [...plain, ...comps];
}

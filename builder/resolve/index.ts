// The resolve stage: candidate packages + comps + request -> the set of packages dnf
// (libsolv) installs into an empty root. Pure: no I/O; the pipeline (builder/pipeline/
// resolve.ts) loads repos and writes the lockfile.
import type { RepoPackage } from '../model/package.js';
import { compareEvr } from '../rpm/vercmp.js';
import { ResolveError } from './errors.js';
import { explainProblem } from './explain.js';
import { buildJobs } from './jobs.js';
import { Pool } from './pool.js';
import { buildInfarchRules, buildPkgRules } from './rules.js';
import { Sat } from './sat.js';
import { matchesNevra, nevraPossibilities } from './specs.js';
import type { ResolveInput, ResolveResult } from './types.js';

export type { ResolveInput, ResolveResult, ResolveRepo, ResolveRequest, CompsData, PinnedPackage } from './types.js';
export { ResolveError } from './errors.js';

/** dnf's default installonlypkgs: several versions may be installed side by side. */
const INSTALLONLY = ['kernel', 'kernel-PAE', 'installonlypkg(kernel)', 'installonlypkg(kernel-module)', 'installonlypkg(vm)', 'multiversion(kernel)'];

function excluder(input: ResolveInput): (pkg: RepoPackage) => boolean {
  const pats = input.request.exclude.map((e) => nevraPossibilities(e));
  const all = input.repos.flatMap((r) => r.packages);
  // dnf applies the first NEVRA reading of each exclude that matches anything
  const chosen = pats.map((forms) => forms.find((f) => all.some((p) => matchesNevra(f, p)))).filter((f) => !!f);
  const pins = new Map<string, NonNullable<ResolveInput['pins']>>();
  for (const p of input.pins ?? []) pins.set(p.name, [...(pins.get(p.name) ?? []), p]);
  return (pkg) => {
    if (chosen.some((f) => matchesNevra(f!, pkg))) return true;
    const pin = pins.get(pkg.name);
    if (pin && !pin.some((p) => p.epoch === pkg.epoch && p.version === pkg.version && p.release === pkg.release && p.arch === pkg.arch && (!p.repo || p.repo === pkg.repo))) return true;
    return false;
  };
}

export function resolvePackages(input: ResolveInput): ResolveResult {
  const warnings: string[] = [];
  const pool = new Pool(input, excluder(input));
  const jobs = buildJobs(pool, input, warnings);
  const multi = new Set<number>();
  for (const name of INSTALLONLY) for (const id of pool.whatProvides({ name })) multi.add(id);
  const roots = [...new Set(jobs.flatMap((j) => j.rules.flat().filter((l) => l > 0)))];
  const { rules, added } = buildPkgRules(pool, roots, (id) => multi.has(id));
  const sat = new Sat(pool, rules, jobs, buildInfarchRules(pool, added), input.request.weakDeps);
  if (!sat.run()) {
    const problems = explainProblem(sat, jobs, sat.problem?.jobs ?? []);
    throw new ResolveError('E_UNSOLVABLE', `cannot resolve the request:\n  ${problems.join('\n  ')}`, { problems });
  }
  const packages = sat.installed().map((id) => pool.solvables[id].pkg);
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareEvr(a, b) || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0)));
  return { packages, warnings };
}

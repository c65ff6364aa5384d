// Explaining an unsolvable request as a chain a user can act on:
//   nothing provides libfoo.so.1()(64bit) needed by bar-1.0-1.x86_64 needed by @core
// Walks from the failing job's best candidate through requirements whose every provider
// was ruled out at the top level, down to the requirement nothing provides (or the
// conflict/obsoletes that rules a package out).
import type { Dep } from '../model/package.js';
import { depCnf, depFulfilled } from './cnf.js';
import { filterUnwanted, Mode } from './policy.js';
import type { Job } from './jobs.js';
import type { Sat } from './sat.js';
import { isRich } from './richdep.js';

export function formatDep(d: Dep): string {
  if (!d.sense || !d.evr) return d.name;
  const op = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' }[d.sense];
  return `${d.name} ${op} ${d.evr.epoch ? d.evr.epoch + ':' : ''}${d.evr.version}${d.evr.release !== undefined ? '-' + d.evr.release : ''}`;
}

export function explainProblem(sat: Sat, jobs: Job[], jobIdx: number[]): string[] {
  const pool = sat.pool;
  const out: string[] = [];
  const seen = new Set<number>();
  const wanted = new Set(jobIdx.flatMap((j) => jobs[j].rules.flat().filter((l) => l > 0)));
  const why = (id: number, chain: string, depth: number): string | undefined => {
    if (seen.has(id) || depth > 30) return undefined;
    seen.add(id);
    const s = pool.solvables[id];
    const here = `${pool.label(id)} needed by ${chain}`;
    if (!s.installable) return `package ${pool.label(id)} is excluded (needed by ${chain})`;
    for (const req of s.pkg.requires) {
      if (req.name.startsWith('rpmlib(')) continue;
      for (const clause of depCnf(pool, req)) {
        const pos = clause.filter((l) => l > 0);
        if (clause.includes(id)) continue;
        if (!clause.length) return `nothing provides ${formatDep(req)} needed by ${here}`;
        if (clause.some((l) => (l > 0 ? sat.dm[l] >= 0 : sat.dm[-l] <= 0))) continue;
        const best = filterUnwanted(sat, pos, Mode.Recommend);
        for (const p of [...best, ...pos]) {
          const r = why(p, here, depth + 1);
          if (r) return r;
        }
        return `${pool.label(id)} requires ${formatDep(req)}, but none of the providers can be installed (needed by ${chain})`;
      }
    }
    for (const con of s.pkg.conflicts) {
      // what the failed solve installed, or what the other jobs of the problem ask for
      const present = (p: number) => p !== id && (sat.dm[p] > 0 || wanted.has(p));
      if (!depFulfilled(pool, con, present)) continue;
      const hit = isRich(con.name) ? undefined : pool.whatProvides(con).find(present);
      return `${pool.label(id)} conflicts with ${formatDep(con)}${hit ? ` provided by ${pool.label(hit)}` : ''} (needed by ${chain})`;
    }
    for (const obs of s.pkg.obsoletes) {
      const hit = pool.whatProvides(obs).find((p) => p !== id && sat.dm[p] > 0 && pool.matchesNevr(p, obs));
      if (hit) return `${pool.label(id)} obsoletes ${formatDep(obs)} provided by ${pool.label(hit)} (needed by ${chain})`;
    }
    return undefined;
  };
  const generic: string[] = [];
  for (const j of jobIdx) {
    const job = jobs[j];
    const cands = [...new Set(job.rules.flat().filter((l) => l > 0))];
    if (!cands.length) {
      out.push(`nothing provides what ${job.label} asks for`);
      continue;
    }
    const best = filterUnwanted(sat, cands, Mode.Recommend);
    let msg: string | undefined;
    for (const c of [...best, ...cands]) {
      msg = why(c, job.label, 0);
      if (msg) break;
    }
    if (msg) out.push(msg);
    else generic.push(`cannot install ${cands.map((c) => pool.label(c)).join(' or ')} for ${job.label}: conflicting requests`);
  }
  // the jobs that only lose because of another's conflict add nothing to a specific reason
  if (!out.length) out.push(...generic);
  if (!out.length) {
    const rules = sat.problem?.rules ?? [];
    out.push(`conflicting requirements: ${rules.map((r) => r.map((l) => (l < 0 ? '!' : '') + pool.label(Math.abs(l))).join(' | ')).join('; ')}`);
  }
  return out;
}

// The CDCL solver loop of libsolv's solver.c (solver_run_sat), ported step for step so
// that the same choices come out: assertions, jobs in order, then unresolved rules in
// rule order (postponing the first real choice), then weak dependencies (supplements
// first, then recommends with branches), then the auto-minimization over branches.
// Learning, backjumping and the watch lists follow libsolv too, since the decision order
// they produce decides which recommends are processed first.
import type { Dep } from '../model/package.js';
import { depCnf, depFulfilled } from './cnf.js';
import { filterUnwanted, Mode, type PolicyState } from './policy.js';
import { SYSTEM, type Pool } from './pool.js';
import type { Rule } from './rules.js';
import { isRich } from './richdep.js';

export interface SatJob {
  /** The job's rules (one for a package set, one per CNF clause for a rich dep). */
  rules: Rule[];
  forceBest: boolean;
  setArch: boolean;
}

export interface SatProblem {
  /** Indexes of the jobs involved. */
  jobs: number[];
  /** The rules of the proof (literal arrays), for explanations. */
  rules: Rule[];
}

export class Sat implements PolicyState {
  private readonly n: number;
  private readonly lits: Rule[] = [[]];
  private readonly w1: number[] = [0];
  private readonly w2: number[] = [0];
  private readonly n1: number[] = [0];
  private readonly n2: number[] = [0];
  private readonly disabled: boolean[] = [false];
  private watches!: Int32Array;
  readonly dm: Int32Array;
  readonly decisionq: number[] = [];
  private readonly why: number[] = [];
  private propagateIndex = 0;
  private pkgrulesEnd = 1;
  private jobrules = 1;
  private jobrulesEnd = 1;
  private learntrules = 1;
  private readonly ruleToJob: number[] = [];
  /** The forcebest rules' jobs: a problem may rest on "cannot install the best candidate". */
  private readonly bestRuleJob = new Map<number, number>();
  private readonly assertions: number[] = [];
  private branches: number[] = [];
  private recommendsIndex = 0;
  private recommendsmap: Uint8Array;
  private suggestsmap: Uint8Array;
  private pendingComplex: { dep: Dep; map: Uint8Array }[] = [];
  problem?: SatProblem;

  constructor(readonly pool: Pool, pkgRules: Rule[], jobs: SatJob[], infarch: Rule[], private readonly doweak: boolean) {
    this.n = pool.size;
    this.dm = new Int32Array(this.n);
    this.recommendsmap = new Uint8Array(this.n);
    this.suggestsmap = new Uint8Array(this.n);
    for (const r of pkgRules) this.addRule(r);
    this.pkgrulesEnd = this.lits.length;
    this.jobrules = this.lits.length;
    jobs.forEach((j, ji) => {
      for (const r of j.rules) {
        this.addRule(r);
        this.ruleToJob.push(ji);
      }
    });
    this.jobrulesEnd = this.lits.length;
    // infarch rules, minus those of the names where a SETARCH job selects a package of an
    // inferior arch itself (dnf's libsolv: `install foo.i686` lifts foo's lock-step; a job
    // that only selects best-arch foo keeps it, see test "multilib lock-step")
    const owners = new Set(infarch.map((r) => -r[0]));
    const setArchNames = new Set<string>();
    for (const j of jobs) if (j.setArch) for (const r of j.rules) for (const l of r) if (l > 0 && owners.has(l)) setArchNames.add(pool.solvables[l].name);
    for (const r of infarch) {
      const i = this.addRule(r);
      if (setArchNames.has(pool.solvables[-r[0]].name)) this.disabled[i] = true;
    }
    // solver_addbestrules: every rule of each forcebest job (a conditional job has one per
    // provider of its condition), pruned to the best candidates, in job rule order
    for (let k = 0; k < this.ruleToJob.length; k++) {
      const ji = this.ruleToJob[k];
      if (!jobs[ji].forceBest) continue;
      const lits = this.lits[this.jobrules + k];
      const q = lits.filter((l) => l > 0);
      if (!q.length) continue;
      const best = filterUnwanted(this, q, Mode.Recommend);
      if (best.length === q.length) continue;
      // negative literals (a conditional job's "if" part) stay in the best rule, in front
      // as libsolv puts them (the first two literals are the watches)
      this.bestRuleJob.set(this.addRule([...lits.filter((l) => l < 0), ...best]), ji);
    }
    this.learntrules = this.lits.length;
    this.makeWatches();
    for (let i = 1; i < this.lits.length; i++) if (this.lits[i].length === 1) this.assertions.push(i);
  }

  private addRule(lits: Rule): number {
    const i = this.lits.length;
    this.lits.push(lits);
    this.w1.push(lits[0] ?? 0);
    this.w2.push(lits[1] ?? 0);
    this.n1.push(0);
    this.n2.push(0);
    this.disabled.push(false);
    return i;
  }

  private makeWatches(): void {
    this.watches = new Int32Array(2 * this.n);
    for (let i = this.lits.length - 1; i >= 1; i--) {
      if (!this.w2[i]) continue;
      this.n1[i] = this.watches[this.n + this.w1[i]];
      this.watches[this.n + this.w1[i]] = i;
      this.n2[i] = this.watches[this.n + this.w2[i]];
      this.watches[this.n + this.w2[i]] = i;
    }
  }

  private isTrue(l: number): boolean {
    return l > 0 ? this.dm[l] > 0 : this.dm[-l] < 0;
  }
  private isFalse(l: number): boolean {
    return l > 0 ? this.dm[l] < 0 : this.dm[-l] > 0;
  }

  // ---- PolicyState --------------------------------------------------------------
  isRecommended(id: number): boolean {
    this.updateRecommendsMap();
    return this.recommendsmap[id] === 1;
  }
  isSuggested(id: number): boolean {
    this.updateRecommendsMap();
    return this.suggestsmap[id] === 1;
  }
  isSupplementing(id: number): boolean {
    const sup = this.pool.solvables[id].pkg.supplements;
    return sup.length > 0 && sup.some((d) => depFulfilled(this.pool, d, (p) => this.dm[p] > 0));
  }
  isEnhancing(id: number): boolean {
    const enh = this.pool.solvables[id].pkg.enhances;
    return enh.length > 0 && enh.some((d) => depFulfilled(this.pool, d, (p) => this.dm[p] > 0));
  }

  private markWeak(dep: Dep, map: Uint8Array): void {
    if (!isRich(dep.name)) {
      for (const p of this.pool.whatProvides(dep)) map[p] = 1;
      return;
    }
    // check_complex_dep: a block counts once all its negative literals are installed
    let postponed = false;
    for (const clause of depCnf(this.pool, dep)) {
      const negs = clause.filter((l) => l < 0);
      if (negs.some((l) => this.dm[-l] < 0)) continue;
      if (negs.some((l) => this.dm[-l] === 0)) {
        postponed = true;
        continue;
      }
      for (const l of clause) if (l > 0) map[l] = 1;
    }
    if (postponed) this.pendingComplex.push({ dep, map });
  }

  private updateRecommendsMap(): void {
    if (this.recommendsIndex < 0) {
      this.recommendsmap.fill(0);
      this.suggestsmap.fill(0);
      this.pendingComplex = [];
      this.recommendsIndex = 0;
    }
    if (this.recommendsIndex >= this.decisionq.length) return;
    if (this.pendingComplex.length) {
      const pend = this.pendingComplex;
      this.pendingComplex = [];
      for (const { dep, map } of pend) this.markWeak(dep, map);
    }
    while (this.recommendsIndex < this.decisionq.length) {
      const p = this.decisionq[this.recommendsIndex++];
      if (p <= SYSTEM) continue;
      const pkg = this.pool.solvables[p].pkg;
      for (const d of pkg.recommends) this.markWeak(d, this.recommendsmap);
      for (const d of pkg.suggests) this.markWeak(d, this.suggestsmap);
    }
  }

  // ---- propagation and learning ---------------------------------------------------
  private getLink(type: number, idx: number): number {
    return type === 0 ? this.watches[idx] : type === 1 ? this.n1[idx] : this.n2[idx];
  }
  private setLink(type: number, idx: number, v: number): void {
    if (type === 0) this.watches[idx] = v;
    else if (type === 1) this.n1[idx] = v;
    else this.n2[idx] = v;
  }

  private propagate(level: number): number {
    const dm = this.dm;
    const off = this.n;
    while (this.propagateIndex < this.decisionq.length) {
      const pkg = -this.decisionq[this.propagateIndex++];
      let ptype = 0;
      let pidx = off + pkg;
      for (;;) {
        const ri = this.getLink(ptype, pidx);
        if (!ri) break;
        const isW1 = pkg === this.w1[ri];
        const nextType = isW1 ? 1 : 2;
        if (this.disabled[ri]) {
          ptype = nextType;
          pidx = ri;
          continue;
        }
        const other = isW1 ? this.w2[ri] : this.w1[ri];
        if (this.isTrue(other)) {
          ptype = nextType;
          pidx = ri;
          continue;
        }
        const lits = this.lits[ri];
        if (lits.length > 2) {
          let p = 0;
          if (lits[0] !== other && !this.isFalse(lits[0])) p = lits[0];
          else
            for (let k = 1; k < lits.length; k++) {
              const l = lits[k];
              if (l !== other && !this.isFalse(l)) {
                p = l;
                break;
              }
            }
          if (p) {
            // unlink from this chain, relink at the head of p's chain
            this.setLink(ptype, pidx, isW1 ? this.n1[ri] : this.n2[ri]);
            if (isW1) {
              this.w1[ri] = p;
              this.n1[ri] = this.watches[off + p];
            } else {
              this.w2[ri] = p;
              this.n2[ri] = this.watches[off + p];
            }
            this.watches[off + p] = ri;
            continue;
          }
        }
        if (this.isFalse(other)) return ri;
        if (other > 0) dm[other] = level;
        else dm[-other] = -level;
        this.decisionq.push(other);
        this.why.push(ri);
        ptype = nextType;
        pidx = ri;
      }
    }
    return 0;
  }

  private revert(level: number): void {
    while (this.decisionq.length) {
      const v = this.decisionq[this.decisionq.length - 1];
      const vv = v > 0 ? v : -v;
      if (this.dm[vv] <= level && this.dm[vv] >= -level) break;
      this.dm[vv] = 0;
      this.decisionq.pop();
      this.why.pop();
      this.propagateIndex = this.decisionq.length;
    }
    const b = this.branches;
    while (b.length && b[b.length - 1] >= level) b.length -= b[b.length - 2];
    if (this.recommendsIndex > this.decisionq.length) this.recommendsIndex = -1;
  }

  private analyze(level: number, conflict: number): [number, number] {
    const dm = this.dm;
    const seen = new Uint8Array(this.n);
    const q: number[] = [];
    let rlevel = 1;
    let num = 0;
    let l1num = 0;
    let idx = this.decisionq.length;
    let p = 0;
    let c = conflict;
    outer: for (;;) {
      for (const v of this.lits[c]) {
        if (this.isTrue(v)) continue;
        const vv = v > 0 ? v : -v;
        if (seen[vv]) continue;
        seen[vv] = 1;
        let l = dm[vv];
        if (l < 0) l = -l;
        if (l === 1) l1num++;
        else if (l === level) num++;
        else {
          q.push(v);
          if (l > rlevel) rlevel = l;
        }
      }
      for (;;) {
        if (!num && !--l1num) break outer;
        let v: number;
        let vv: number;
        for (;;) {
          v = this.decisionq[--idx];
          vv = v > 0 ? v : -v;
          if (seen[vv]) break;
        }
        seen[vv] = 0;
        if (num && --num === 0) {
          p = -v;
          if (!l1num) break outer;
          for (const x of q) seen[x > 0 ? x : -x] = 0;
          l1num++;
          continue;
        }
        const why = this.why[idx];
        if (why <= 0) continue;
        c = why;
        continue outer;
      }
    }
    this.revert(rlevel);
    const r = this.addRule([p, ...q]);
    if (q.length) {
      if (q.length > 1) {
        // watch2onhighest
        let wl = 0;
        for (const v of q) {
          let l = this.dm[v > 0 ? v : -v];
          if (l < 0) l = -l;
          if (l > wl) {
            this.w2[r] = v;
            wl = l;
          }
        }
      }
      const off = this.n;
      this.n1[r] = this.watches[off + this.w1[r]];
      this.watches[off + this.w1[r]] = r;
      this.n2[r] = this.watches[off + this.w2[r]];
      this.watches[off + this.w2[r]] = r;
    } else this.assertions.push(r);
    return [rlevel, r];
  }

  private jobsOf(rules: number[]): number[] {
    const out: number[] = [];
    for (const r of rules) {
      const j = r >= this.jobrules && r < this.jobrulesEnd ? this.ruleToJob[r - this.jobrules] : this.bestRuleJob.get(r);
      if (j !== undefined) out.push(j);
    }
    return out;
  }

  /** Unsolvable: record the proof (all rules that led to the conflict) and give up. */
  private analyzeUnsolvable(conflict: number): number {
    const involved = new Uint8Array(this.n);
    const ruleSet = new Set<number>([conflict]);
    for (const v of this.lits[conflict]) if (!this.isTrue(v)) involved[Math.abs(v)] = 1;
    for (let idx = this.decisionq.length - 1; idx >= 0; idx--) {
      const v = this.decisionq[idx];
      const vv = Math.abs(v);
      if (!involved[vv] || vv === SYSTEM) continue;
      const why = this.why[idx];
      if (why <= 0) continue;
      ruleSet.add(why);
      for (const l of this.lits[why]) if (!this.isTrue(l)) involved[Math.abs(l)] = 1;
    }
    const expand = (r: number, seen: Set<number>) => seen.add(r);
    const all = new Set<number>();
    for (const r of ruleSet) expand(r, all);
    const jobs = this.jobsOf([...all]);
    this.problem = { jobs: [...new Set(jobs)].sort((a, b) => a - b), rules: [...all].map((r) => this.lits[r]) };
    return -1;
  }

  private setPropagateLearn(level: number, decision: number, ruleid: number): number {
    if (decision) {
      level++;
      this.dm[decision > 0 ? decision : -decision] = decision > 0 ? level : -level;
      this.decisionq.push(decision);
      this.why.push(-ruleid);
    }
    for (;;) {
      const r = this.propagate(level);
      if (!r) break;
      if (level === 1) return this.analyzeUnsolvable(r);
      const [nl, lr] = this.analyze(level, r);
      level = nl;
      const d = this.lits[lr][0];
      this.dm[d > 0 ? d : -d] = d > 0 ? level : -level;
      this.decisionq.push(d);
      this.why.push(lr);
    }
    return level;
  }

  private makeRuleDecisions(): boolean {
    this.decisionq.push(SYSTEM);
    this.why.push(0);
    this.dm[SYSTEM] = 1;
    for (const ri of this.assertions) {
      if (this.disabled[ri]) continue;
      const v = this.lits[ri][0];
      const vv = v > 0 ? v : -v;
      if (!this.dm[vv]) {
        this.decisionq.push(v);
        this.why.push(ri);
        this.dm[vv] = v > 0 ? 1 : -1;
        continue;
      }
      if ((v > 0 && this.dm[vv] > 0) || (v < 0 && this.dm[vv] < 0)) continue;
      if (ri >= this.learntrules) {
        this.disabled[ri] = true;
        continue;
      }
      const other = this.why[this.decisionq.indexOf(-v)];
      const rules = [ri, ...(other > 0 ? [other] : [])];
      this.problem = { jobs: this.jobsOf(rules), rules: rules.map((r) => this.lits[r]) };
      return false;
    }
    return true;
  }

  // ---- the decision phases ---------------------------------------------------------
  private selectAndInstall(level: number, dq: number[], ruleid: number): number {
    if (dq.length > 1) dq = filterUnwanted(this, dq, Mode.Choose);
    if (dq.length > 1) this.createBranch(level, dq, 0, ruleid);
    return this.setPropagateLearn(level, dq[0], ruleid);
  }

  private createBranch(level: number, dq: number[], p: number, data: number): void {
    this.branches.push(-dq[0], ...dq.slice(1), p, data, dq.length + 4, level);
  }

  private takeBranch(pos: number, end: number): number {
    const b = this.branches;
    const level = b[end - 1];
    const p = b[pos];
    b[pos] = -p;
    let k = 0;
    while (k < this.decisionq.length && Math.abs(this.dm[Math.abs(this.decisionq[k])]) <= level) k++;
    const why = k < this.why.length ? -this.why[k] : 0;
    b[end - 1] = 0;
    this.revert(level);
    b[end - 1] = level;
    return this.setPropagateLearn(level, p, why >= 0 ? why : 0);
  }

  private resolveJobRules(level: number): number {
    const oldlevel = level;
    for (let i = this.jobrules; i < this.jobrulesEnd; i++) {
      if (this.disabled[i]) continue;
      const dq: number[] = [];
      let sat = false;
      for (const l of this.lits[i]) {
        if (l < 0) {
          if (this.dm[-l] <= 0) {
            sat = true;
            break;
          }
        } else {
          if (this.dm[l] > 0) {
            sat = true;
            break;
          }
          if (this.dm[l] === 0) dq.push(l);
        }
      }
      if (sat || !dq.length) continue;
      const olevel = level;
      level = this.selectAndInstall(level, dq, i);
      if (level <= olevel) {
        if (level === olevel) {
          i--;
          continue;
        }
        if (level < oldlevel) return level;
        i = this.jobrules - 1;
      }
    }
    return level;
  }

  private resolveDependencies(level: number): number {
    const origlevel = level;
    let postponed = 0;
    for (let i = 1, n = 1; ; i++, n++) {
      if (n >= this.lits.length) {
        if (postponed <= 0) break;
        i = postponed;
        postponed = -1;
        n = 1;
      }
      if (i === this.lits.length) i = 1;
      if (this.disabled[i]) continue;
      const lits = this.lits[i];
      const rp = lits[0];
      const multi = lits.length > 2;
      if (rp < 0 && (!multi || this.dm[-rp] <= 0)) continue;
      let dq: number[] = [];
      if (!multi) {
        const w2 = lits[1] ?? 0;
        if (w2 <= 0) continue;
        if (this.dm[rp] || this.dm[w2]) continue;
        dq.push(rp, w2);
      } else {
        if (rp >= 0) {
          if (this.dm[rp] > 0) continue;
          if (this.dm[rp] === 0) dq.push(rp);
        }
        let done = false;
        for (let k = 1; k < lits.length; k++) {
          const p = lits[k];
          if (p < 0) {
            if (this.dm[-p] <= 0) {
              done = true;
              break;
            }
          } else {
            if (this.dm[p] > 0) {
              done = true;
              break;
            }
            if (this.dm[p] === 0) dq.push(p);
          }
        }
        if (done) continue;
      }
      if (dq.length > 1 && postponed >= 0) {
        dq = filterUnwanted(this, dq, Mode.ChooseNoReorder);
        if (dq.length > 1) {
          if (!postponed) postponed = i;
          continue;
        }
      }
      level = this.selectAndInstall(level, dq, i);
      if (level < origlevel) break;
      n = 0;
    }
    return level;
  }

  private weakCandidates(rec: Dep, dq: number[], dqmap?: Uint8Array): void {
    if (!isRich(rec.name)) {
      const start = dq.length;
      for (const p of this.pool.whatProvides(rec)) {
        if (this.dm[p] > 0) {
          dq.length = start;
          return;
        }
        if (this.dm[p] === 0 && (!dqmap || dqmap[p]) && !dq.includes(p)) dq.push(p);
      }
      return;
    }
    // add_complex_recommends
    for (const clause of depCnf(this.pool, rec)) {
      const blk: number[] = [];
      let skip = false;
      for (const p of clause) {
        if (p < 0) {
          if (this.dm[-p] <= 0) {
            skip = true;
            break;
          }
          continue;
        }
        if (this.dm[p] > 0) {
          skip = true;
          break;
        }
        // a package already ruled out is no candidate, whether or not it passed the filter
        if (this.dm[p] < 0 || (dqmap && !dqmap[p])) continue;
        blk.push(p);
      }
      if (skip) continue;
      for (const p of blk) if (!dq.includes(p)) dq.push(p);
    }
  }

  private resolveWeak(level: number): { level: number; rerun: boolean } {
    const pool = this.pool;
    let dq: number[] = [];
    let dqs: number[] = [];
    // in id order, as libsolv walks all solvables: installed ones for their recommends,
    // undecided ones that supplement something (the only others that can matter)
    const ids = this.decisionq.filter((p) => p > SYSTEM);
    for (const i of pool.supplementIds) if (this.dm[i] === 0) ids.push(i);
    ids.sort((a, b) => a - b);
    for (const i of ids) {
      const s = pool.solvables[i];
      if (this.dm[i] > 0) {
        for (const rec of s.pkg.recommends) this.weakCandidates(rec, dq);
      } else {
        if (!s.pkg.supplements.length || !s.installable) continue;
        if (!this.isSupplementing(i)) continue;
        dqs.push(i);
      }
    }
    // implicitobsoleteusescolors: skip supplements of a name already installed in another arch
    dqs = dqs.filter((p) => {
      const s = pool.solvables[p];
      return !pool.byName(s.name).some((q) => this.dm[q] > 0 && pool.solvables[q].arch !== s.arch);
    });
    for (const p of dqs) if (!dq.includes(p)) dq.push(p);
    if (!dq.length) return { level, rerun: false };
    if (dq.length === 1) return { level: this.setPropagateLearn(level, dq[0], 0), rerun: true };
    dq = filterUnwanted(this, dq, Mode.Recommend);
    const dqmap = new Uint8Array(this.n);
    for (const p of dq) dqmap[p] = 1;
    dqs = dqs.filter((p) => dqmap[p]);
    if (dqs.length > 1) dqs = filterUnwanted(this, dqs, Mode.Supplement);
    const decisioncount = this.decisionq.length;
    let i = 0;
    for (; i < dqs.length; i++) {
      const p = dqs[i];
      if (this.dm[p]) continue;
      const olevel = level;
      level = this.setPropagateLearn(level, p, 0);
      if (level <= olevel) break;
    }
    if (i < dqs.length || this.decisionq.length < decisioncount) return { level, rerun: true };
    outer: for (let k = 0; k < decisioncount; k++) {
      const p = this.decisionq[k];
      if (p <= SYSTEM) continue;
      for (const rec of this.recommendsToWalk(p, dqmap)) {
        let cand: number[] = [];
        this.weakCandidates(rec, cand, dqmap);
        if (!cand.length) continue;
        if (cand.length > 1) cand = filterUnwanted(this, cand, Mode.Choose);
        if (cand.length > 1) this.createBranch(level, cand, p, 0);
        const olevel = level;
        level = this.setPropagateLearn(level, cand[0], 0);
        if (level <= olevel || this.decisionq.length < decisioncount) break outer;
      }
    }
    return { level, rerun: true };
  }

  /**
   * A package's recommends in the order libsolv walks them. The order only matters when
   * two or more of them still have candidates (taking one can only shrink a plain one's
   * list; a rich one's "if" part may come true later, so those always count), and working
   * it out costs a pass over the repo, so only then is it asked for.
   */
  private recommendsToWalk(p: number, dqmap: Uint8Array): readonly Dep[] {
    const recs = this.pool.solvables[p].pkg.recommends;
    if (recs.length < 2) return recs;
    let live = 0;
    const cand: number[] = [];
    for (const rec of recs) {
      cand.length = 0;
      if (!isRich(rec.name)) this.weakCandidates(rec, cand, dqmap);
      if ((isRich(rec.name) || cand.length) && ++live > 1) return this.pool.recommendsInOrder(p);
    }
    return recs;
  }

  private minimize(): number {
    const b = this.branches;
    if (!b.length) return 0;
    this.updateRecommendsMap();
    let lasti = -1;
    let lastiend = -1;
    for (let endi = b.length; endi > 0; ) {
      const l = b[endi - 1];
      const starti = endi - b[endi - 2];
      let lastsi = -1;
      for (let i = starti; i < endi - 4; i++) {
        const p = b[i];
        if (p <= 0) continue;
        if (this.dm[p] > l) {
          lasti = i;
          lastiend = endi;
          lastsi = -1;
          break;
        }
        if (lastsi < 0 && (this.recommendsmap[p] || this.isSupplementing(p))) lastsi = i;
      }
      if (lastsi >= 0) {
        for (let i = starti; i < endi - 4; i++) {
          const p = -b[i];
          if (p <= 0 || this.dm[p] !== l + 1) continue;
          if (!(this.recommendsmap[p] || this.isSupplementing(p))) {
            lasti = lastsi;
            lastiend = endi;
            break;
          }
        }
      }
      endi = starti;
    }
    if (lasti < 0) return 0;
    return this.takeBranch(lasti, lastiend);
  }

  /** Run the solver; true when solved (see `installed()`), false with `problem` set. */
  run(): boolean {
    let level = 0;
    let systemlevel = 1;
    for (;;) {
      if (level <= 0) {
        if (level < 0) return false;
        if (!this.makeRuleDecisions()) return false;
        level = 1;
        const r = this.propagate(level);
        if (r) {
          level = this.analyzeUnsolvable(r);
          continue;
        }
        systemlevel = level + 1;
      }
      if (level < systemlevel) {
        const olevel = level;
        level = this.resolveJobRules(level);
        if (level < olevel) continue;
        systemlevel = level + 1;
      }
      if (level < systemlevel) systemlevel = level;
      const olevel = level;
      level = this.resolveDependencies(level);
      if (level < olevel) continue;
      if (this.doweak) {
        const w = this.resolveWeak(level);
        level = w.level;
        if (w.rerun) continue;
      }
      if (this.branches.length) {
        const nl = this.minimize();
        if (nl) {
          level = nl;
          continue;
        }
      }
      return true;
    }
  }

  installed(): number[] {
    const out: number[] = [];
    for (let i = 2; i < this.n; i++) if (this.dm[i] > 0) out.push(i);
    return out;
  }
}

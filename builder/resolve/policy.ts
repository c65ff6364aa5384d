// Choosing among alternatives exactly as libsolv's policy.c does (policy_filter_unwanted):
// highest repo priority, best arch, best version per name, drop candidates obsoleted by
// other candidates, prefer recommended/supplemented ones, then reorder (dislike old
// versions, common versioned provides, suggested first). Ties end in solvable-id order.
import { compareEvr } from '../rpm/vercmp.js';
import type { Pool } from './pool.js';

export const enum Mode {
  Choose = 0,
  Recommend = 1,
  Suggest = 2,
  ChooseNoReorder = 3,
  Supplement = 4,
}

/** What the policy needs from the solver's state. */
export interface PolicyState {
  pool: Pool;
  /** Recommended by an installed package (policy_update_recommendsmap). */
  isRecommended(id: number): boolean;
  isSuggested(id: number): boolean;
  isSupplementing(id: number): boolean;
  isEnhancing(id: number): boolean;
}

function bestVersionCmp(pool: Pool, a: number, b: number): number {
  const sa = pool.solvables[a];
  const sb = pool.solvables[b];
  if (sa.name !== sb.name) return sa.name < sb.name ? -1 : 1; // strcmp on names
  if (sa.arch !== sb.arch) {
    const aa = sa.archScore;
    const ab = sb.archScore;
    if (aa !== ab && aa > 1 && ab > 1) return aa - ab;
  }
  const r = sb.subpriority - sa.subpriority;
  if (r) return r;
  return a - b;
}

function pruneToHighestPrio(pool: Pool, list: number[]): number[] {
  let best = -Infinity;
  for (const p of list) best = Math.max(best, pool.solvables[p].priority);
  return list.filter((p) => pool.solvables[p].priority === best);
}

function pruneToBestArch(pool: Pool, list: number[]): number[] {
  let best = 0;
  for (const p of list) {
    const a = pool.solvables[p].archScore;
    if (a && a !== 1 && (!best || a < best)) best = a;
  }
  if (!best) return list;
  const r = list.filter((p) => {
    const a = pool.solvables[p].archScore;
    return a === 1 || ((a ^ best) & 0xffff0000) === 0;
  });
  return r.length ? r : list;
}

/** Does candidate `s` obsolete `p` (a different name), as libsolv matches obsoletes? */
function obsoletes(pool: Pool, s: number, p: number): boolean {
  const ss = pool.solvables[s];
  const ps = pool.solvables[p];
  if (ss.name === ps.name) return false;
  for (const obs of ss.pkg.obsoletes) {
    if (obs.name !== ps.name) continue;
    if (pool.matchesNevr(p, obs)) return true;
  }
  return false;
}

/** prune_obsoleted: Tarjan over "obsoletes" edges, keeping SCCs not obsoleted from outside. */
function pruneObsoleted(pool: Pool, list: number[]): number[] {
  if (list.length === 2) {
    const a = obsoletes(pool, list[0], list[1]);
    const b = obsoletes(pool, list[1], list[0]);
    if (a === b) return list;
    return a ? [list[0]] : [list[1]];
  }
  const n = list.length;
  const low = new Array<number>(n).fill(0);
  const stack: number[] = [];
  let idx = 1;
  let firstidx = 0;
  const hasObs = (i: number) => pool.solvables[list[i]].pkg.obsoletes.length > 0;
  const visit = (node: number) => {
    const myidx = idx++;
    low[node] = myidx;
    const stackstart = stack.length;
    stack.push(node);
    for (let i = 0; i < n; i++) {
      if (i === node || !obsoletes(pool, list[node], list[i])) continue;
      let l = low[i];
      if (!l) {
        if (!hasObs(i)) {
          idx++;
          low[i] = -1;
          continue;
        }
        visit(i);
        l = low[i];
      }
      if (l < 0) continue;
      if (l < firstidx) {
        // an SCC found earlier is obsoleted by this one: drop it
        for (let k = 0; k < n; k++) if (low[k] === l) low[k] = -1;
      } else if (l < low[node]) low[node] = l;
    }
    if (low[node] === myidx) {
      const mark = myidx !== firstidx ? -1 : myidx;
      for (const k of stack.splice(stackstart)) low[k] = mark;
    }
  };
  for (let i = 0; i < n; i++) {
    if (low[i]) continue;
    if (hasObs(i)) {
      firstidx = idx;
      stack.length = 0;
      visit(i);
    } else low[i] = idx++;
  }
  return list.filter((_, i) => low[i] >= 0);
}

export function pruneToBestVersion(pool: Pool, list: number[]): number[] {
  if (list.length < 2) return list;
  const sorted = [...list].sort((a, b) => bestVersionCmp(pool, a, b));
  const out: number[] = [];
  let best = -1;
  for (const p of sorted) {
    if (best < 0) {
      best = p;
      continue;
    }
    if (pool.solvables[best].name !== pool.solvables[p].name) {
      out.push(best);
      best = p;
      continue;
    }
    if (compareEvr(pool.solvables[best].evr, pool.solvables[p].evr) < 0) best = p;
  }
  out.push(best);
  return out.length > 1 ? pruneObsoleted(pool, out) : out;
}

function pruneToRecommended(st: PolicyState, list: number[]): number[] {
  const r = list.filter((p) => st.isRecommended(p) || st.isSupplementing(p));
  return r.length ? r : list;
}

/** Stable move of the entries failing `good` to the back. */
function moveBack(list: number[], good: (p: number) => boolean): number[] {
  return [...list.filter(good), ...list.filter((p) => !good(p))];
}

function dislikeOldVersions(pool: Pool, list: number[]): number[] {
  return moveBack(list, (p) => {
    const s = pool.solvables[p];
    for (const q of pool.byName(s.name)) {
      const qs = pool.solvables[q];
      if (q === p || qs.arch !== s.arch) continue;
      if (qs.priority !== s.priority) {
        if (s.priority > qs.priority) continue;
        return false;
      }
      if (compareEvr(qs.evr, s.evr) > 0) return false;
    }
    return true;
  });
}

/** sort_by_common_dep: prefer candidates whose versioned provides are the newest. */
function sortByCommonDep(pool: Pool, list: number[]): number[] {
  type Ent = { i: number; name: string; lt: boolean; evr: { epoch: number; version: string; release?: string }; key: string };
  const ents: Ent[] = [];
  list.forEach((p, i) => {
    for (const d of pool.solvables[p].pkg.provides) {
      if (!d.evr || !(d.sense === 'EQ' || d.sense === 'LE' || d.sense === 'LT')) continue;
      const key = `${d.evr.epoch}:${d.evr.version}-${d.evr.release ?? ''}`;
      if (d.sense === 'EQ') {
        const s = (d.evr.epoch ? d.evr.epoch + ':' : '') + d.evr.version + (d.evr.release !== undefined ? '-' + d.evr.release : '');
        if (s.length >= 4 && /^[0-9a-f]+$/.test(s)) continue; // ignore hashes
      }
      ents.push({ i, name: d.name, lt: d.sense === 'LT', evr: d.evr, key });
    }
  });
  if (ents.length < 2) return list;
  const cmp = (a: Ent, b: Ent): number => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (a.key === b.key && a.lt === b.lt) return 0;
    const r = compareEvr(b.evr, a.evr);
    if (!r && (a.lt || b.lt)) {
      if (!b.lt) return 1;
      if (!a.lt) return -1;
    }
    return r;
  };
  ents.sort(cmp);
  const bad = new Array<number>(list.length).fill(0);
  let havebad = false;
  let lastname: string | undefined;
  let b = 0;
  ents.forEach((e, k) => {
    if (lastname !== undefined && e.name === lastname) {
      const prev = ents[k - 1];
      if (prev.i !== e.i && cmp(prev, e) === -1) {
        b++;
        havebad = true;
      }
    } else {
      b = 0;
      lastname = e.name;
    }
    bad[e.i] += b;
  });
  if (!havebad) return list;
  return list.map((p, i) => ({ p, b: bad[i], i })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.p);
}

function preferSuggested(st: PolicyState, list: number[]): number[] {
  return moveBack(list, (p) => st.isSuggested(p) || st.isEnhancing(p));
}

/** policy_filter_unwanted. Returns a new list; the first entry is libsolv's choice. */
export function filterUnwanted(st: PolicyState, input: number[], mode: Mode): number[] {
  const pool = st.pool;
  let list = input;
  if (mode === Mode.Supplement) {
    list = dislikeOldVersions(pool, list);
    list = sortByCommonDep(pool, list);
    return preferSuggested(st, list);
  }
  if (list.length > 1) {
    if (mode !== Mode.Suggest) list = pruneToHighestPrio(pool, list);
    else list = pruneToHighestPrioPerName(pool, list);
  }
  if (list.length > 1) list = pruneToBestArch(pool, list);
  if (list.length > 1) list = pruneToBestVersion(pool, list);
  if (list.length > 1 && (mode === Mode.Choose || mode === Mode.ChooseNoReorder)) {
    list = pruneToRecommended(st, list);
    if (list.length > 1 && mode !== Mode.ChooseNoReorder) {
      list = dislikeOldVersions(pool, list);
      list = sortByCommonDep(pool, list);
      list = preferSuggested(st, list);
    }
  }
  return list;
}

function pruneToHighestPrioPerName(pool: Pool, list: number[]): number[] {
  const sorted = [...list].sort((a, b) => bestVersionCmp(pool, a, b));
  const out: number[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && pool.solvables[sorted[j]].name === pool.solvables[sorted[i]].name) j++;
    const grp = sorted.slice(i, j);
    out.push(...(grp.length > 2 ? pruneToHighestPrio(pool, grp) : grp));
    i = j;
  }
  return out;
}

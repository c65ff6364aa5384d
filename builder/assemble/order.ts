// Transaction order as rpm computes it (rpm lib/order.c, rpmtsOrder, install side only):
// a relation q <- p for every Requires of p that another package q in the transaction
// satisfies (install-time prerequisites weigh more), strongly connected components found
// with Tarjan's algorithm, then a topological walk that collects leaves first, queued by
// how many packages need them (tsi_qcnt) with the preferred colour first; a loop is cut
// where cutting loses the fewest prerequisites (distance from a pre-required member).
// Mirrors rpm's queue mechanics so ties fall out as rpm's do. Pure: packages in, indexes out.
import type { Dep } from '../model/package.js';
import { indexProviders, relevantForOrder, type ProviderPackage } from './deps.js';

export interface OrderPackage extends ProviderPackage {
  requires: Dep[];
  /** OrderWithRequires (rpm ≥ 4.9 orders by these after the requires). */
  orderHints?: Dep[];
}

export interface OrderResult {
  /** Indexes into the input, in install order. */
  order: number[];
  /** Dependency loops found (as indexes), for diagnostics. */
  loops: number[][];
}

interface Rel {
  suc: number;
  flags: number;
}

type Ref = { get(): number | null; set(v: number | null): void };

/** prefColor: 2 on 64-bit hosts (rpm's %_prefer_color), 0 to disable colour preference. */
/** tsColor/prefColor: rpm's %_transaction_color (3 on 64-bit multilib hosts) and %_prefer_color (2). */
export function orderTransaction(pkgs: readonly OrderPackage[], prefColor = 2, tsColor = 3): OrderResult {
  const n = pkgs.length;
  const providers = indexProviders(pkgs);
  const count = new Array<number>(n).fill(0);
  const qcnt = new Array<number>(n).fill(0);
  // rpm keeps these as singly linked lists with head insertion: index 0 is the newest.
  const relations: Rel[][] = Array.from({ length: n }, () => []);
  const forward: Rel[][] = Array.from({ length: n }, () => []);
  const suc = new Array<number | null>(n).fill(null);

  // Record relations (addRelation).
  for (let p = 0; p < n; p++) {
    for (const req of [...pkgs[p].requires, ...(pkgs[p].orderHints ?? [])]) {
      if (!relevantForOrder(req)) continue;
      const q = providers.best(req, -1, tsColor ? prefColor : 0);
      if (q === undefined || q === p) continue;
      const flags = req.pre ? 1 : 0;
      if (relations[q].length && relations[q][0].suc === p) {
        relations[q][0].flags |= flags;
        forward[p][0].flags |= flags;
        continue;
      }
      count[p]++;
      relations[q].unshift({ suc: p, flags });
      qcnt[q]++;
      forward[p].unshift({ suc: q, flags });
    }
  }

  // detectSCCs (Tarjan): sccIdx 0 = unvisited, < 0 = on the DFS, 1 = trivial, >= 2 = loop id.
  const sccIdx = new Array<number>(n).fill(0);
  const low = new Array<number>(n).fill(0);
  const sccs: { count: number; members: number[] }[] = [{ count: 0, members: [] }, { count: 0, members: [] }];
  let index = 0;
  const stack: number[] = [];
  const tarjan = (t: number): void => {
    index--;
    sccIdx[t] = index;
    low[t] = index;
    stack.push(t);
    for (const rel of relations[t]) {
      const q = rel.suc;
      if (sccIdx[q] > 0) continue;
      if (sccIdx[q] === 0) {
        tarjan(q);
        low[t] = Math.max(low[t], low[q]);
      } else low[t] = Math.max(low[t], sccIdx[q]);
    }
    if (low[t] !== sccIdx[t]) return;
    if (stack[stack.length - 1] === t) {
      sccIdx[stack.pop()!] = 1;
      return;
    }
    const at = stack.lastIndexOf(t);
    const members = stack.slice(at);
    const id = sccs.length;
    for (const m of members) sccIdx[m] = id;
    let c = 0;
    for (const m of members) {
      c += count[m];
      for (const rel of relations[m]) if (rel.suc !== m && sccIdx[rel.suc] === id) c--;
    }
    // rpm copies the members off its stack top-down.
    sccs.push({ count: c, members: members });
    stack.length = at;
  };
  for (let i = 0; i < n; i++) if (sccIdx[i] === 0) tarjan(i);

  const reqx = new Array<number>(n).fill(0);
  const newOrder: number[] = [];
  const varRef = (init: number | null = null): Ref => {
    let v = init;
    return { get: () => v, set: (x) => void (v = x) };
  };
  const sucRef = (i: number): Ref => ({ get: () => suc[i], set: (x) => void (suc[i] = x) });

  const addQ = (p: number, qp: Ref, rp: Ref): void => {
    reqx[p] = 1;
    if (rp.get() === null) {
      rp.set(p);
      qp.set(p);
      return;
    }
    let qprev: number | null = null;
    let q = qp.get();
    const pcolor = pkgs[p].color;
    const tailcond = pcolor !== 0 && pcolor !== prefColor;
    for (; q !== null; qprev = q, q = suc[q]) {
      // The preferred colour goes towards the queue head on install.
      if (tailcond && pcolor !== pkgs[q].color) continue;
      if (qcnt[q] <= qcnt[p]) break;
    }
    if (qprev === null) {
      suc[p] = q;
      qp.set(p);
    } else if (q === null) {
      suc[qprev] = p;
      rp.set(p);
    } else {
      suc[p] = q;
      suc[qprev] = p;
    }
  };

  const collectTE = (q: number, queueEnd: Ref, outerQueue: Ref | null, outerQueueEnd: Ref | null): void => {
    newOrder.push(q);
    for (const rel of relations[q]) {
      const p = rel.suc;
      if (sccIdx[p] === 0 || p === q) continue;
      if (--count[p] === 0) {
        if (sccIdx[q] > 1 && sccIdx[q] !== sccIdx[p]) addQ(p, outerQueue!, outerQueueEnd!);
        else addQ(p, sucRef(q), queueEnd);
      }
      if (sccIdx[p] > 1 && sccIdx[p] !== sccIdx[q]) {
        if (--sccs[sccIdx[p]].count === 0) {
          if (outerQueue) addQ(p, outerQueue, outerQueueEnd!);
          else addQ(p, sucRef(q), queueEnd);
        }
      }
    }
    sccIdx[q] = 0;
  };

  const INF = Number.MAX_SAFE_INTEGER;
  const collectSCC = (p: number, queueEnd: Ref): void => {
    const nr = sccIdx[p];
    const members = sccs[nr].members;
    const outer = varRef(suc[p]);
    suc[p] = null;
    // Multi-source BFS from the pre-required members: the loop is entered where the
    // fewest prerequisites get broken.
    const queue: number[] = [];
    for (const t of members) {
      low[t] = INF;
      for (const rel of forward[t]) {
        if (rel.flags && sccIdx[rel.suc] === nr) {
          if (rel.suc !== t) {
            low[t] = 0;
            queue.push(t);
          } else low[t] = Math.floor(INF / 2);
          break;
        }
      }
    }
    if (queue.length === 0) for (const t of members) if (low[t] !== INF) queue.push(t);
    for (let s = 0; s < queue.length; s++) {
      const t = queue[s];
      for (const rel of forward[t]) {
        const next = rel.suc;
        if (sccIdx[next] !== nr) continue;
        if (low[next] > low[t] + 1) {
          low[next] = low[t] + 1;
          queue.push(next);
        }
      }
    }
    for (;;) {
      let best: number | null = null;
      let bestScore = 0;
      for (const t of members) {
        if (sccIdx[t] === 0) continue;
        if (low[t] >= bestScore) {
          best = t;
          bestScore = low[t];
        }
      }
      if (best === null) break;
      const innerStart = varRef();
      const innerEnd = varRef();
      addQ(best, innerStart, innerEnd);
      for (let cur = innerStart.get(); cur !== null; cur = suc[cur]) {
        reqx[cur] = 0;
        collectTE(cur, innerEnd, outer, queueEnd);
      }
    }
    suc[p] = outer.get();
  };

  const head = varRef();
  const tail = varRef();
  for (let i = 0; i < n; i++) {
    if (count[i] !== 0) continue;
    suc[i] = null;
    addQ(i, head, tail);
  }
  for (let s = 2; s < sccs.length; s++) if (sccs[s].count === 0) addQ(sccs[s].members[0], head, tail);
  for (let q = head.get(); q !== null; ) {
    reqx[q] = 0;
    if (sccIdx[q] > 1) collectSCC(q, tail);
    else if (sccIdx[q] !== 0) collectTE(q, tail, null, null);
    q = suc[q];
  }
  if (newOrder.length !== n) {
    // rpm asserts here; keep going so a broken graph still installs everything, in input order.
    const seen = new Set(newOrder);
    for (let i = 0; i < n; i++) if (!seen.has(i)) newOrder.push(i);
  }
  return { order: newOrder, loops: sccs.slice(2).map((s) => s.members) };
}

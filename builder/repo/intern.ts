// String and dependency interning for one parse. Metadata repeats the same strings
// (arch, release, "libc.so.6()(64bit)") hundreds of thousands of times; sharing one copy
// cuts the parsed size by more than half. Scoped to one parse, so no global state.
import type { Dep, Sense } from '../model/package.js';

export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly deps = new Map<string, Dep>();

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    // A slice of a large chunk keeps the whole chunk alive; store a flat copy instead.
    const own = s.length > 12 ? flatten(s) : s;
    this.strings.set(own, own);
    return own;
  }

  /** One shared Dep object per distinct (name, sense, evr, pre). Treat Deps as read-only. */
  dep(name: string, sense: Sense | undefined, epoch: string | undefined, ver: string | undefined, rel: string | undefined, pre: boolean): Dep {
    const key = sense === undefined ? (pre ? name + '\x01' : name) : `${name}\x00${sense}\x00${epoch ?? ''}\x00${ver ?? ''}\x00${rel ?? '\x02'}${pre ? '\x01' : ''}`;
    const hit = this.deps.get(key);
    if (hit !== undefined) return hit;
    let d: Dep;
    const n = this.str(name);
    if (sense === undefined) d = pre ? { name: n, pre: true } : { name: n };
    else {
      const evr = rel === undefined
        ? { epoch: epoch ? Number(epoch) : 0, version: this.str(ver ?? '') }
        : { epoch: epoch ? Number(epoch) : 0, version: this.str(ver ?? ''), release: this.str(rel) };
      d = pre ? { name: n, sense, evr, pre: true } : { name: n, sense, evr };
    }
    this.deps.set(key.length > 12 ? flatten(key) : key, d);
    return d;
  }
}

/** A flat copy of a (possibly sliced or cons) string. */
export function flatten(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

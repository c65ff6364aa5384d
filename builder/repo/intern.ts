// String interning for one parse. Metadata repeats the same strings
// (arch, release, "libc.so.6()(64bit)") hundreds of thousands of times; sharing one copy
// cuts the parsed size by more than half. Scoped to one parse, so no global state.
export class Interner {
  private readonly strings = new Map<string, string>();

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    // A slice of a large chunk keeps the whole chunk alive; store a flat copy instead.
    const own = s.length > 12 ? flatten(s) : s;
    this.strings.set(own, own);
    return own;
  }
}

/** A flat copy of a (possibly sliced or cons) string. */
export function flatten(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

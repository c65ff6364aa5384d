// String interning for one parse. Metadata repeats the same strings
// (arch, release, "libc.so.6()(64bit)") hundreds of thousands of times; sharing one copy
// cuts the parsed size by more than half. Scoped to one parse, so no global state.
// The scanner's strings are fresh copies of bytes (never slices of a chunk), so keeping
// one does not keep a chunk alive.
export class Interner {
  private readonly strings = new Map<string, string>();

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    this.strings.set(s, s);
    return s;
  }
}

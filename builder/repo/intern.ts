// String interning for one parse. Metadata repeats the same strings (arch, release,
// "libc.so.6()(64bit)") hundreds of thousands of times; sharing one copy cuts the parsed
// size by more than half. Scoped to one parse, so no global state.
//
// ByteInterner finds the shared copy from the bytes, before any string exists: the XML
// scanner hashes a value's bytes while it walks them anyway, so a repeat costs one table
// probe and a compare, instead of decoding a fresh string, hashing it in a Map and
// dropping it (measured: the largest single cost of building packages from primary.xml).

export class Interner {
  private readonly strings = new Map<string, string>();

  str(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    this.strings.set(s, s);
    return s;
  }
}

/** Open addressing over (hash, string) slots; ASCII strings only, compared to the bytes. */
export class ByteInterner {
  private hashes = new Int32Array(1 << 14);
  /** Index + 1 into strings; 0 = empty slot. */
  private slots = new Int32Array(1 << 14);
  private readonly strings: string[] = [];
  /** Values that are not plain ASCII bytes (UTF-8, entities) are interned by their text. */
  readonly other = new Interner();

  /**
   * The string for buf[from, to), which must be ASCII (a byte compares equal to a char
   * code only then) with FNV-1a hash `h` as the XML scanner computes it.
   */
  ascii(buf: Uint8Array, from: number, to: number, h: number): string {
    const len = to - from;
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i];
      if (slot === 0) break;
      if (this.hashes[i] !== h) continue;
      const s = this.strings[slot - 1];
      if (s.length === len && sameBytes(buf, from, s, len)) return s;
    }
    // latin1 of ASCII bytes is the same text as UTF-8, and the cheapest decode.
    const s = Buffer.prototype.latin1Slice.call(buf, from, to);
    this.strings.push(s);
    if (this.strings.length * 2 > this.slots.length) this.grow();
    this.place(h, this.strings.length);
    return s;
  }

  private place(h: number, slot: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = slot;
    this.hashes[i] = h;
  }

  private grow(): void {
    const old = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(old.length * 2);
    this.hashes = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.place(oldHashes[i], old[i]);
  }
}

function sameBytes(buf: Uint8Array, from: number, s: string, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[from + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** FNV-1a, as the scanner hashes bytes: h = imul(h ^ byte, FNV_PRIME) from FNV_OFFSET. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 16777619;

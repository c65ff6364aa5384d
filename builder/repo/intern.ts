// String interning for one parse. Metadata repeats the same strings (arch, release,
// "libc.so.6()(64bit)") hundreds of thousands of times; sharing one copy cuts the parsed
// size by more than half. Scoped to one parse, so no global state.
//
// ByteInterner finds the shared copy from the bytes, before any string exists: the XML
// scanner hashes a value's bytes while it walks them anyway, so a repeat costs one table
// probe and a compare, instead of decoding a fresh string, hashing it in a Map and
// dropping it (measured: the largest single cost of building packages from primary.xml).

/**
 * Open-addressed (hash, slot) pairs for tables keyed by bytes: a slot is an index + 1 into
 * the owner's arrays (0 = empty); the owner probes `slots`/`hashes` from `h & mask` and
 * compares its own keys. Grows to keep the load under one half.
 */
/** FNV-1a, as the scanner hashes bytes: h = imul(h ^ byte, FNV_PRIME) from FNV_OFFSET. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 16777619;

/** ByteInterner's id of the empty string. */
export const EMPTY = 0;

export class SlotTable {
  hashes: Int32Array;
  slots: Int32Array;
  private count = 0;

  constructor(size: number) {
    this.hashes = new Int32Array(size);
    this.slots = new Int32Array(size);
  }

  add(h: number, slot: number): void {
    if (++this.count * 2 > this.slots.length) this.grow();
    this.place(h, slot);
  }

  private place(h: number, slot: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = slot;
    this.hashes[i] = h;
  }

  private grow(): void {
    const [slots, hashes] = [this.slots, this.hashes];
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Int32Array(slots.length * 2);
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.place(hashes[i], slots[i]);
  }
}

/**
 * Interning by bytes, which also numbers the strings: each distinct string gets an id (its
 * index in `strings`), so a parser can record references as ints as it goes (the parse
 * cache's form, see packages-codec.ts) instead of looking every string up again later.
 */
export class ByteInterner {
  /** Slots index strings (+ 1). */
  private readonly table = new SlotTable(1 << 14);
  readonly strings: string[] = [''];
  /** The id of the string the last ascii() or text() call returned. */
  lastId = -1;
  /** Values that are not plain ASCII bytes (UTF-8, entities) are interned by their text. */
  private readonly byText = new Map<string, number>([['', EMPTY]]);

  constructor() {
    // '' has one id however it is found (by bytes or by text): EMPTY.
    this.table.add(FNV_OFFSET, EMPTY + 1);
  }

  /**
   * The string for buf[from, to), which must be ASCII (a byte compares equal to a char
   * code only then) with FNV-1a hash `h` as the XML scanner computes it.
   */
  ascii(buf: Uint8Array, from: number, to: number, h: number): string {
    const len = to - from;
    const { slots, hashes } = this.table;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = slots[i];
      if (slot === 0) break;
      if (hashes[i] !== h) continue;
      const s = this.strings[slot - 1];
      if (s.length === len && sameBytes(buf, from, s, len)) {
        this.lastId = slot - 1;
        return s;
      }
    }
    // latin1 of ASCII bytes is the same text as UTF-8, and the cheapest decode.
    const s = Buffer.prototype.latin1Slice.call(buf, from, to);
    this.strings.push(s);
    this.table.add(h, this.strings.length);
    this.lastId = this.strings.length - 1;
    return s;
  }

  /** Any string, by its text (a string may then have two ids; both decode to equal text). */
  text(s: string): string {
    let id = this.byText.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.byText.set(s, id);
    }
    this.lastId = id;
    return this.strings[id];
  }

  /** The id of any string (see text()). */
  id(s: string): number {
    this.text(s);
    return this.lastId;
  }
}

function sameBytes(buf: Uint8Array, from: number, s: string, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[from + i] !== s.charCodeAt(i)) return false;
  return true;
}



// A small, fast, streaming XML scanner for repository metadata (primary, filelists,
// comps, repomd). It owns tokenising only: start/end tags, attributes, text, entities,
// comments, CDATA, processing instructions and a DOCTYPE without internal entities.
// It does not own namespaces: names are reported as written ("rpm:entry"), as libsolv's
// repo_rpmmd matches them.
//
// Hand-written, and over bytes rather than text, for speed: primary.xml of CS9 AppStream
// is 52 MB of XML in 829k elements, and most of it (descriptions, changelog-like text,
// attributes of repeated dependencies) is never needed as a JS string. Decoding every chunk
// to a string first cost more than scanning it (UTF-8 decode, two-byte strings for chunks
// with one non-ASCII character, and garbage). Here only element names (shared, see
// elementName), the attributes a handler asks for and the text it wants become strings.
// Delimiters (<, >, quotes, &) are ASCII and never occur inside a multi-byte UTF-8
// sequence, so every slice the scanner decodes is whole UTF-8.
import { XmlSyntaxError } from './errors.js';
import { FNV_OFFSET, FNV_PRIME, type ByteInterner } from './intern.js';

export interface XmlHandler {
  /**
   * When set, attribute values and texts come back interned through it (for handlers
   * that keep many repeated values, like primary's; not for filelists' unique paths), and
   * attrId()/textId() give their ids.
   */
  readonly intern?: ByteInterner;
  /** An element starts. Return true to collect its text (handed to close()). */
  open(name: string, scanner: XmlScanner, selfClosing: boolean): boolean | void;
  close(name: string, text: string | undefined): void;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const EMPTY = Buffer.alloc(0);
const LT = 60;
const GT = 62;
const SLASH = 47;
const AMP = 38;

export class XmlScanner {
  private buf: Buffer = EMPTY;
  private line = 1;
  private readonly stack: string[] = [];
  private capture = false;
  private text = '';
  private sawRoot = false;
  private started = false;
  // The current start tag's attributes (valid during open()), parsed on first attr().
  private attrFrom = 0;
  private attrTo = 0;
  private attrsParsed = false;
  private attrHash = 0;
  private attrHashed = false;
  private readonly attrNames: string[] = [];
  // Values are decoded when asked for: most tags have attributes nobody reads (<time
  // file=…>, <size archive=…>, <checksum pkgid=…>), and numbers need no string at all.
  private readonly attrFrom_: number[] = [];
  private readonly attrTo_: number[] = [];
  private readonly attrValues: (string | undefined)[] = [];
  private readonly attrIds: number[] = [];
  private attrCount = 0;
  // The id of the captured text when it is one decoded run (-1: ask the interner).
  private textId_ = -1;
  private closedText = '';
  private closedTextId = -1;
  private readonly names: (string | undefined)[] = new Array(1024).fill(undefined);

  private readonly intern?: ByteInterner;

  constructor(private readonly handler: XmlHandler) {
    this.intern = handler.intern;
  }

  /** An attribute of the element being opened, entities decoded. */
  attr(name: string): string | undefined {
    if (!this.attrsParsed) this.parseAttrs();
    for (let i = 0; i < this.attrCount; i++) if (this.attrNames[i] === name) return this.valueAt(i);
    return undefined;
  }

  /** A numeric attribute without making a string of it: Number(attr(name)) (undefined when absent). */
  attrNumber(name: string): number | undefined {
    if (!this.attrsParsed) this.parseAttrs();
    for (let i = 0; i < this.attrCount; i++) {
      if (this.attrNames[i] !== name) continue;
      const from = this.attrFrom_[i];
      const to = this.attrTo_[i];
      const buf = this.buf;
      // plain digits (what metadata has): exact as long as they fit a double's integer range
      if (to - from > 15) return Number(this.valueAt(i));
      let n = 0;
      for (let k = from; k < to; k++) {
        const d = buf[k] - 48;
        if (d < 0 || d > 9) return Number(this.valueAt(i));
        n = n * 10 + d;
      }
      return n;
    }
    return undefined;
  }

  private valueAt(i: number): string {
    let v = this.attrValues[i];
    if (v === undefined) {
      v = this.decodeValue(this.buf, this.attrFrom_[i], this.attrTo_[i]);
      this.attrValues[i] = v;
      this.attrIds[i] = this.intern ? this.intern.lastId : -1;
    }
    return v;
  }

  /** The interner's id of attr(name) (see XmlHandler.intern); -1 when absent. */
  attrId(name: string): number {
    if (!this.attrsParsed) this.parseAttrs();
    for (let i = 0; i < this.attrCount; i++) {
      if (this.attrNames[i] !== name) continue;
      this.valueAt(i);
      return this.attrIds[i];
    }
    return -1;
  }

  /** In close(): the interner's id of the text handed over. */
  textId(): number {
    return this.closedTextId >= 0 ? this.closedTextId : this.intern!.id(this.closedText);
  }

  /**
   * Handlers cache what they make of identical tags (the same rpm:entry in many packages)
   * by their attribute bytes as written, and skip attribute parsing on a hit: attrsHash()
   * to find a candidate, attrsEqual() to confirm, copyAttrs() to keep a key. Bytes, not
   * strings: hashing a fresh string per tag was the largest cost of reading primary.xml.
   */
  attrsHash(): number {
    // FNV-1a of the attribute bytes, made on first use (only some handlers want it)
    if (!this.attrHashed) {
      const buf = this.buf;
      let h = FNV_OFFSET;
      for (let k = this.attrFrom; k < this.attrTo; k++) h = Math.imul(h ^ buf[k], FNV_PRIME);
      this.attrHash = h;
      this.attrHashed = true;
    }
    return this.attrHash;
  }

  attrsLength(): number {
    return this.attrTo - this.attrFrom;
  }

  /** Whether bytes[at, at + len) are this tag's attribute bytes. */
  attrsEqual(bytes: Uint8Array, at: number, len: number): boolean {
    const from = this.attrFrom;
    if (len !== this.attrTo - from) return false;
    const buf = this.buf;
    for (let i = 0; i < len; i++) if (buf[from + i] !== bytes[at + i]) return false;
    return true;
  }

  /** Copy the attribute bytes to target[at…] (the scanner's own buffer does not last). */
  copyAttrs(target: Uint8Array, at: number): void {
    // A loop: these are short, and Buffer.copy's call into C++ cost more than the copy.
    const buf = this.buf;
    for (let i = this.attrFrom, j = at; i < this.attrTo; i++, j++) target[j] = buf[i];
  }

  /** The current line (for messages from handlers). */
  lineAt(): number {
    return this.line + countNewlines(this.buf, 0, this.attrFrom);
  }

  /** Scan the next piece of the document (strings are encoded as UTF-8 first). */
  write(chunk: Buffer | string): void {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!this.started && bytes.length) {
      this.started = true;
      // A UTF-8 byte order mark is not text outside the root element.
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    if (this.buf.length) {
      // Finish the token cut by the chunk boundary on a copy of its start plus a little of
      // the chunk, then go on in the chunk itself: copying every chunk behind the rest
      // was a tenth of the scan's time.
      const rest = this.buf;
      const part = Math.min(bytes.length, 4096);
      const used = this.scanPart(Buffer.concat([rest, bytes.subarray(0, part)])) - rest.length;
      // The cut token is longer than that (a long text): take the whole chunk after all.
      bytes = used >= 0 ? bytes.subarray(used) : Buffer.concat([this.buf, bytes.subarray(part)]);
    }
    this.scanPart(bytes);
    this.checkRest();
  }

  /** Scan buf, keep its unconsumed rest; returns how much was consumed. */
  private scanPart(buf: Buffer): number {
    this.buf = buf;
    const end = this.scan(buf);
    this.line += countNewlines(buf, 0, end);
    this.buf = end < buf.length ? buf.subarray(end) : EMPTY;
    this.attrFrom = this.attrTo = 0;
    return end;
  }

  private checkRest(): void {
    // A single token larger than this is not metadata; refuse to buffer without bound.
    if (this.buf.length > 64 * 1024 * 1024) throw this.fail('a single token exceeds 64 MiB', 0);
  }

  /** The input ended: everything must be closed. */
  end(): void {
    const rest = this.buf;
    let blank = true;
    for (let i = 0; i < rest.length && blank; i++) blank = isSpace(rest[i]);
    if (!blank || this.stack.length || !this.sawRoot) {
      const open = this.stack.length ? ` inside <${this.stack.join('><')}>` : '';
      throw new XmlSyntaxError(`document ends unexpectedly${open}`, this.line, true);
    }
  }

  private fail(message: string, pos: number): XmlSyntaxError {
    return new XmlSyntaxError(message, this.line + countNewlines(this.buf, 0, pos));
  }

  /** Consume complete tokens from buf; return where the unconsumed rest starts. */
  private scan(buf: Buffer): number {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      // indexOf is memchr: cheaper than a JS loop even for the short gaps between tags.
      const lt = buf.indexOf(LT, i);
      // Text may continue (and an entity may be split) in the next chunk.
      if (lt < 0) return i;
      if (lt > i) this.onText(buf, i, lt);
      if (lt + 1 >= n) return lt;
      const c = buf[lt + 1];
      if (c === SLASH) {
        const gt = buf.indexOf(GT, lt + 2);
        if (gt < 0) return lt;
        let nameEnd = gt;
        while (nameEnd > lt + 2 && isSpace(buf[nameEnd - 1])) nameEnd--;
        this.closeElement(buf, lt + 2, nameEnd);
        i = gt + 1;
      } else if (c === 63 /* ? */) {
        const e = buf.indexOf('?>', lt + 2, 'latin1');
        if (e < 0) return lt;
        i = e + 2;
      } else if (c === 33 /* ! */) {
        const r = this.scanBang(buf, lt);
        if (r < 0) return lt;
        i = r;
      } else {
        const r = this.scanStartTag(buf, lt);
        if (r < 0) return lt;
        i = r;
      }
    }
    return i;
  }

  private onText(buf: Buffer, from: number, to: number): void {
    if (this.capture) {
      const t = this.decodeValue(buf, from, to);
      if (this.text.length) {
        this.text += t;
        this.textId_ = -1;
      } else {
        this.text = t;
        this.textId_ = this.intern ? this.intern.lastId : -1;
      }
    } else if (!this.stack.length) {
      for (let k = from; k < to; k++) {
        if (!isSpace(buf[k])) throw this.fail('text outside the root element', k);
      }
    }
  }

  private scanBang(buf: Buffer, lt: number): number {
    if (startsWithAt(buf, lt, '<!--')) {
      const e = buf.indexOf('-->', lt + 4, 'latin1');
      return e < 0 ? -1 : e + 3;
    }
    if (startsWithAt(buf, lt, '<![CDATA[')) {
      const e = buf.indexOf(']]>', lt + 9, 'latin1');
      if (e < 0) return -1;
      if (this.capture) {
        this.text += buf.utf8Slice(lt + 9, e);
        this.textId_ = -1;
      }
      return e + 3;
    }
    if (buf.length - lt < 9) return -1;
    if (startsWithAt(buf, lt, '<!DOCTYPE')) {
      const gt = buf.indexOf(GT, lt);
      if (gt < 0) return -1;
      const sub = buf.indexOf(91 /* [ */, lt);
      if (sub >= 0 && sub < gt) {
        const e = buf.indexOf(']>', sub, 'latin1');
        return e < 0 ? -1 : e + 2;
      }
      return gt + 1;
    }
    throw this.fail('unknown markup declaration', lt);
  }

  /** Find the end of "<name a='v' ...>" or ".../>" at lt; -1 when the tag is not complete yet. */
  private scanStartTag(buf: Buffer, lt: number): number {
    const n = buf.length;
    let p = lt + 1;
    while (p < n) {
      const ch = buf[p];
      if (ch === GT || ch === SLASH || isSpace(ch)) break;
      p++;
    }
    if (p >= n) return -1;
    if (p === lt + 1) throw this.fail('empty element name', lt);
    // The first '>' outside quotes ends the tag ('>' is legal inside attribute values).
    let k = p;
    let quote = 0;
    for (; k < n; k++) {
      const ch = buf[k];
      if (quote !== 0) {
        if (ch === quote) quote = 0;
      } else if (ch === GT) break;
      else if (ch === 34 || ch === 39) quote = ch;
      else if (ch === LT) throw this.fail(`"<" inside the tag <${buf.utf8Slice(lt + 1, p)}>`, k);
    }
    if (k >= n) return -1;
    const selfClosing = buf[k - 1] === SLASH && k - 1 >= p;
    this.attrHashed = false;
    this.attrFrom = p;
    this.attrTo = selfClosing ? k - 1 : k;
    this.attrsParsed = false;
    this.attrCount = 0;
    this.openElement(this.elementName(buf, lt + 1, p), selfClosing);
    return k + 1;
  }

  /**
   * The element name, shared between all elements of that name: no allocation per tag,
   * and handlers' switch statements compare one string with another by pointer.
   */
  private elementName(buf: Buffer, from: number, to: number): string {
    const len = to - from;
    const h = (len * 31 + buf[from] * 7 + buf[to - 1] * 3 + buf[from + (len >> 1)]) & 1023;
    const hit = this.names[h];
    if (hit !== undefined && sameAt(buf, from, hit, len)) return hit;
    const name = internName(buf.utf8Slice(from, to));
    this.names[h] = name;
    return name;
  }

  private parseAttrs(): void {
    const buf = this.buf;
    const end = this.attrTo;
    let p = this.attrFrom;
    let count = 0;
    this.attrsParsed = true;
    for (;;) {
      while (p < end && isSpace(buf[p])) p++;
      if (p >= end) break;
      let eq = p;
      while (eq < end && buf[eq] !== 61 /* = */) eq++;
      if (eq >= end) throw this.fail('attribute without a value', p);
      let ne = eq;
      while (ne > p && isSpace(buf[ne - 1])) ne--;
      let q = eq + 1;
      while (q < end && isSpace(buf[q])) q++;
      const quote = buf[q];
      if (quote !== 34 && quote !== 39) throw this.fail('attribute value not quoted', q);
      let close = q + 1;
      let amp = false;
      for (; close < end && buf[close] !== quote; close++) if (buf[close] === AMP) amp = true;
      if (close >= end) throw this.fail('unterminated attribute value', q);
      this.attrNames[count] = this.elementName(buf, p, ne);
      this.attrFrom_[count] = q + 1;
      this.attrTo_[count] = close;
      this.attrValues[count] = undefined;
      // with entities: decoded now, so that an unknown one is an error whoever reads it
      if (amp) this.valueAt(count);
      count++;
      p = close + 1;
    }
    this.attrCount = count;
  }

  private openElement(name: string, selfClosing: boolean): void {
    if (!this.stack.length) {
      if (this.sawRoot) throw new XmlSyntaxError(`second root element <${name}>`, this.lineAt());
      this.sawRoot = true;
    }
    this.capture = false;
    const want = this.handler.open(name, this, selfClosing) === true;
    if (selfClosing) {
      this.closedText = '';
      this.closedTextId = -1;
      this.handler.close(name, want ? '' : undefined);
      return;
    }
    this.stack.push(name);
    if (want) {
      this.capture = true;
      this.text = '';
      this.textId_ = -1;
    }
  }

  private closeElement(buf: Buffer, from: number, to: number): void {
    const top = this.stack.pop();
    // Compare in place: no string is made for the (usual) matching close tag.
    if (top === undefined || (!sameAt(buf, from, top, to - from) && buf.utf8Slice(from, to) !== top)) {
      const name = buf.utf8Slice(from, to);
      throw this.fail(top === undefined ? `unexpected </${name}>` : `</${name}> closes <${top}>`, from);
    }
    const text = this.capture ? this.text : undefined;
    this.closedText = this.text;
    this.closedTextId = this.textId_;
    this.capture = false;
    this.text = '';
    this.handler.close(top, text);
  }

  /** Bytes [from, to) as text, entities decoded. */
  private decodeValue(buf: Buffer, from: number, to: number): string {
    // One walk: the hash for the interner, whether it is ASCII, whether it has entities.
    let bits = 0;
    let amp = false;
    let h = FNV_OFFSET;
    for (let k = from; k < to; k++) {
      const c = buf[k];
      bits |= c;
      if (c === AMP) amp = true;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const intern = this.intern;
    if (intern && bits < 0x80 && !amp) return intern.ascii(buf, from, to, h);
    const s = buf.utf8Slice(from, to);
    const v = amp ? this.decodeEntities(s, from) : s;
    return intern ? intern.text(v) : v;
  }

  private decodeEntities(s: string, at: number): string {
    return s.replace(/&([^;&\s]{1,10});/g, (m, ent: string) => {
      const named = ENTITIES[ent];
      if (named !== undefined) return named;
      if (ent.charCodeAt(0) === 35 /* # */) {
        const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
        if (Number.isFinite(code) && code >= 0 && code <= 0x10ffff) return String.fromCodePoint(code);
      }
      throw this.fail(`unknown entity ${m}`, at);
    });
  }
}

declare global {
  // Node's undocumented but long-standing fast paths of toString(enc, from, to), without
  // its argument checks (measured: a third of the cost for short slices).
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    latin1Slice(start: number, end: number): string;
  }
}

const NAMES = new Map<string, string>();
/** Element names are few; keep one copy of each for the process (bounded: 10k names). */
function internName(name: string): string {
  const hit = NAMES.get(name);
  if (hit !== undefined) return hit;
  // A property key comes back as V8's internalized copy: comparisons with the literals in
  // handlers' switch statements are then pointer comparisons.
  const own = Object.keys({ [name]: 0 })[0];
  if (NAMES.size < 10_000) NAMES.set(own, own);
  return own;
}

/** The bytes at buf[from, from + len) spell the (ASCII) string s. */
function sameAt(buf: Buffer, from: number, s: string, len: number): boolean {
  if (s.length !== len) return false;
  for (let i = 0; i < len; i++) if (buf[from + i] !== s.charCodeAt(i)) return false;
  return true;
}

function startsWithAt(buf: Buffer, at: number, ascii: string): boolean {
  return at + ascii.length <= buf.length && sameAt(buf, at, ascii, ascii.length);
}

function countNewlines(buf: Buffer, from: number, to: number): number {
  let lines = 0;
  for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) lines++;
  return lines;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

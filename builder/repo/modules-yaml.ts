// A fast reader for the YAML that modules.yaml is written in, with the generic `yaml`
// package as the fallback. modulemd files are produced by libmodulemd: block mappings and
// sequences, plain and simply quoted scalars, one-line flow sequences, block scalars for
// descriptions. Reading exactly that by lines is ~20x faster than the general parser (which
// was a tenth of a cold resolve of CS9 AppStream). Anything else (anchors, tags, escapes,
// multi-line plain or flow scalars, tabs, directives, and any syntax error) makes it give
// up (readSimpleYaml returns undefined) and the caller parses with the `yaml` package, so
// results and error messages stay that package's. Values are those of its failsafe
// schema: every scalar is a string, an empty value is "".
//
// Block scalars (|, >) are not folded: they come back as BLOCK_SCALAR, and the caller falls
// back when it needs one's text (modulemd only has them in description-like fields).

export const BLOCK_SCALAR: unique symbol = Symbol('block scalar');
export type SimpleYaml = string | typeof BLOCK_SCALAR | SimpleYaml[] | { [key: string]: SimpleYaml };
export interface SimpleDoc {
  /** An empty document ("---" and nothing) is "", as in the yaml package. */
  value: SimpleYaml;
  /** 1-based line of the document ("---" or its first content line). */
  line: number;
}

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

interface Line {
  indent: number;
  text: string;
}

/** The documents of `text`, or undefined when it uses YAML beyond the simple subset. */
export function readSimpleYaml(text: string): SimpleDoc[] | undefined {
  try {
    return new Reader(text).documents();
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
}

class Reader {
  private readonly raw: string[];
  private lines: (Line | undefined)[] = [];
  private i = 0;

  constructor(text: string) {
    this.raw = text.split('\n');
  }

  documents(): SimpleDoc[] {
    const docs: SimpleDoc[] = [];
    let start = 0;
    let line = 0;
    const flush = (end: number) => {
      this.lines = this.raw.slice(start, end).map(toLine);
      this.i = 0;
      this.skipBlank();
      if (this.i < this.lines.length) {
        if (line === 0) line = start + this.i + 1;
        const value = this.block(0);
        this.skipBlank();
        if (this.i < this.lines.length) giveUp();
        docs.push({ value, line });
      } else if (line !== 0) docs.push({ value: '', line });
    };
    for (let n = 0; n < this.raw.length; n++) {
      const r = this.raw[n].replace(/\r$/, '');
      if (r.startsWith('---') || r.startsWith('...')) {
        const rest = r.slice(3).trim();
        if (rest !== '' && !rest.startsWith('#')) giveUp();
        flush(n);
        start = n + 1;
        line = r[0] === '-' ? n + 1 : 0;
      } else if (r.startsWith('%')) giveUp();
    }
    flush(this.raw.length);
    return docs;
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && this.lines[this.i] === undefined) this.i++;
  }

  private peek(): Line | undefined {
    this.skipBlank();
    return this.lines[this.i];
  }

  /** The node whose lines start at the next line, indented by at least `min`. */
  private block(min: number): SimpleYaml {
    const l = this.peek();
    if (!l || l.indent < min) return '';
    return isItem(l.text) ? this.sequence(l.indent) : this.mapping(l.indent);
  }

  private mapping(indent: number): { [key: string]: SimpleYaml } {
    const out: { [key: string]: SimpleYaml } = {};
    for (let l = this.peek(); l && l.indent === indent && !isItem(l.text); l = this.peek()) {
      this.i++;
      const colon = keyEnd(l.text);
      const key = scalar(l.text.slice(0, colon).trimEnd());
      // "<<" is a merge key in some schemas; "__proto__" would not be a plain property.
      if (key === '' || key === '<<' || key === '__proto__') giveUp();
      out[key] = this.value(l.text.slice(colon + 1).trim(), indent, true);
    }
    const next = this.peek();
    if (next && next.indent > indent) giveUp();
    return out;
  }

  private sequence(indent: number): SimpleYaml[] {
    const out: SimpleYaml[] = [];
    for (let l = this.peek(); l && l.indent === indent && isItem(l.text); l = this.peek()) {
      const rest = l.text.slice(1).trimStart();
      const column = indent + l.text.length - rest.length;
      if (rest !== '' && !rest.startsWith('#') && isMappingLine(rest)) {
        // "- key: value": a mapping whose first line starts after the dash.
        this.lines[this.i] = { indent: column, text: rest };
        out.push(this.mapping(column));
      } else {
        this.i++;
        out.push(this.value(rest, indent, false));
      }
    }
    const next = this.peek();
    if (next && next.indent > indent) giveUp();
    return out;
  }

  /** The value after "key:" or "-" on a line at `indent`. */
  private value(rest: string, indent: number, inMapping: boolean): SimpleYaml {
    if (rest === '' || rest.startsWith('#')) {
      const next = this.peek();
      if (!next) return '';
      if (next.indent > indent) return this.block(indent + 1);
      // A sequence may sit at its key's own indentation.
      if (inMapping && next.indent === indent && isItem(next.text)) return this.sequence(indent);
      return '';
    }
    if (rest[0] === '|' || rest[0] === '>') {
      if (!/^[|>][-+]?(\s+#.*)?$/.test(rest)) giveUp();
      // Its lines are the blank ones and those indented deeper than the key.
      while (this.i < this.lines.length) {
        const l = this.lines[this.i];
        if (l !== undefined && l.indent <= indent) break;
        this.i++;
      }
      return BLOCK_SCALAR;
    }
    let v: SimpleYaml = rest[0] === '[' ? flowSequence(rest) : rest === '{}' ? {} : scalar(stripComment(rest));
    if (typeof v === 'string' && rest[0] !== '"' && rest[0] !== "'") {
      // A plain scalar continued on deeper lines (long license lists): folded with spaces.
      for (let l = this.lines[this.i]; l !== undefined && l.indent > indent; l = this.lines[this.i]) {
        v += ` ${scalar(l.text)}`;
        this.i++;
      }
    }
    const next = this.peek();
    // Continued after a blank or comment line, or a quoted or flow scalar continued: not in the subset.
    if (next && next.indent > indent) giveUp();
    return v;
  }
}

/** Indentation and text of a line; undefined for blank and comment-only lines. */
function toLine(raw: string): Line | undefined {
  const r = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let n = 0;
  while (r.charCodeAt(n) === 32) n++;
  if (r.charCodeAt(n) === 9) giveUp();
  const text = r.slice(n).trimEnd();
  return text === '' || text[0] === '#' ? undefined : { indent: n, text };
}

const isItem = (t: string) => t[0] === '-' && (t.length === 1 || t[1] === ' ');

function isMappingLine(t: string): boolean {
  if (t[0] === '"' || t[0] === "'") {
    const close = t.indexOf(t[0], 1);
    return close > 0 && /^\s*:(\s|$)/.test(t.slice(close + 1));
  }
  return /^[^\s[\]{},#&*!|>'"%@`?-][^#]*?:(\s|$)/.test(t) || /^-[^\s][^#]*?:(\s|$)/.test(t);
}

/** Where the key of "key: value" ends (the colon). */
function keyEnd(t: string): number {
  if (t[0] === '"' || t[0] === "'") {
    const close = t.indexOf(t[0], 1);
    if (close < 0) giveUp();
    const m = /^\s*:(\s|$)/.exec(t.slice(close + 1));
    if (!m) giveUp();
    return t.indexOf(':', close + 1);
  }
  const m = /:(\s|$)/.exec(t);
  if (!m) giveUp();
  return m!.index;
}

function stripComment(v: string): string {
  if (v[0] === '"' || v[0] === "'") return v;
  const hash = v.search(/\s#/);
  return hash < 0 ? v : v.slice(0, hash).trimEnd();
}

/** A one-line scalar: plain, or quoted without escapes. */
function scalar(v: string): string {
  const q = v[0];
  if (q === '"' || q === "'") {
    const body = stripQuoted(v, q);
    if (q === '"') {
      if (body.includes('\\')) giveUp();
      return body;
    }
    return body.replace(/''/g, "'");
  }
  // Indicators that start something other than a plain scalar, and a ": " inside one.
  if (/^[[\]{},&*!|>%@`]|^[?:-](\s|$)/.test(v) || /:(\s|$)|\s#/.test(v)) giveUp();
  return v;
}

/** The text between v's opening quote and its closing one, which must end v (or a comment). */
function stripQuoted(v: string, q: string): string {
  let end = 1;
  for (;;) {
    end = v.indexOf(q, end);
    if (end < 0) giveUp();
    if (q === "'" && v[end + 1] === "'") end += 2;
    else break;
  }
  const after = v.slice(end + 1).trim();
  if (after !== '' && !after.startsWith('#')) giveUp();
  return v.slice(1, end);
}

/** "[a, b, 'c']" on one line. */
function flowSequence(v: string): string[] {
  const t = stripComment(v);
  if (!t.endsWith(']')) giveUp();
  const body = t.slice(1, -1).trim();
  if (body === '') return [];
  if (/[[\]{}]/.test(body)) giveUp();
  return body.split(',').map((s) => {
    const item = s.trim();
    if (item === '' || ((item[0] === '"' || item[0] === "'") && item.slice(1, -1).includes(item[0]))) giveUp();
    return scalar(item);
  });
}

// A recipe file as a located tree: every map, list and scalar remembers the file and
// line it came from, so that validation, `extends` merging and variable expansion can
// all report `file:line: key: problem` long after the YAML text is gone. Owns YAML
// parsing only; the schema lives in ./schema.ts and merging in ./merge.ts.
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export interface Loc {
  file: string;
  line: number;
}

interface Base extends Loc {
  /** `!reset`: replace what `extends` inherited instead of appending/merging. */
  reset?: boolean;
}
export interface MapNode extends Base {
  kind: 'map';
  /** Insertion-ordered; each entry also remembers the line of its key. */
  entries: Map<string, { keyLine: number; node: TreeNode }>;
}
export interface SeqNode extends Base {
  kind: 'seq';
  items: TreeNode[];
}
export interface ScalarNode extends Base {
  kind: 'scalar';
  value: string | number | boolean | null;
}
export type TreeNode = MapNode | SeqNode | ScalarNode;

export const RESET_TAG = '!reset';

/** Parse YAML text; syntax problems are appended to `problems` as `file:line: message`. */
export function parseYamlTree(text: string, file: string, problems: string[]): TreeNode | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  for (const e of doc.errors) problems.push(`${file}:${lineOf(e.pos[0])}: ${firstLine(e.message)}`);
  for (const w of doc.warnings) {
    // `!reset` is ours; any other tag is a typo the user should hear about.
    if (w.code === 'TAG_RESOLVE_FAILED' && w.message.includes(RESET_TAG)) continue;
    problems.push(`${file}:${lineOf(w.pos[0])}: ${firstLine(w.message)}`);
  }
  if (doc.errors.length) return undefined;
  if (doc.contents === null) return { kind: 'map', entries: new Map(), file, line: 1 };
  return convert(doc.contents as YamlNode, doc, file, lineOf, problems, 0);
}

function convert(node: YamlNode, doc: Document, file: string, lineOf: (o?: number) => number, problems: string[], depth: number): TreeNode {
  if (depth > 64) {
    problems.push(`${file}:${lineOf(node.range?.[0])}: nesting too deep`);
    return { kind: 'scalar', value: null, file, line: lineOf(node.range?.[0]) };
  }
  if (isAlias(node)) {
    const target = (node as Alias).resolve(doc);
    if (!target) return { kind: 'scalar', value: null, file, line: lineOf(node.range?.[0]) };
    return convert(target as YamlNode, doc, file, lineOf, problems, depth + 1);
  }
  const line = lineOf(node.range?.[0]);
  const tag = (node as { tag?: string }).tag;
  if (tag && tag !== RESET_TAG && !tag.startsWith('tag:yaml.org,2002:')) problems.push(`${file}:${line}: unknown tag ${tag} (only ${RESET_TAG} is understood)`);
  const reset = tag === RESET_TAG ? true : undefined;
  if (isMap(node)) {
    const entries = new Map<string, { keyLine: number; node: TreeNode }>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const keyLine = lineOf(keyNode?.range?.[0]);
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') {
        problems.push(`${file}:${keyLine}: map keys must be plain strings`);
        continue;
      }
      const valueNode = pair.value as YamlNode | null;
      const child: TreeNode = valueNode ? convert(valueNode, doc, file, lineOf, problems, depth + 1) : { kind: 'scalar', value: null, file, line: keyLine };
      entries.set(String(key), { keyLine, node: child });
    }
    return { kind: 'map', entries, file, line, reset };
  }
  if (isSeq(node)) {
    const items = node.items.map((it) => convert(it as YamlNode, doc, file, lineOf, problems, depth + 1));
    return { kind: 'seq', items, file, line, reset };
  }
  if (isScalar(node)) {
    let value = node.value as unknown;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) value = String(value);
    // A bare `!reset` (no value) is a scalar null: "back to the default". With an
    // unresolvable tag the yaml package hands us "" for the empty value.
    if (reset && value === '' && !(node.source ?? '').length) value = null;
    return { kind: 'scalar', value: value as ScalarNode['value'], file, line, reset };
  }
  return { kind: 'scalar', value: null, file, line };
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** A bare `!reset`: removes the inherited value, so no type applies to it. */
export function isBareReset(n: TreeNode): boolean {
  return n.kind === 'scalar' && !!n.reset && n.value === null;
}

/** The plain JSON value of a tree (what ajv validates; bare `!reset` keys are left out). */
export function toPlain(node: TreeNode): unknown {
  switch (node.kind) {
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const [k, { node: v }] of node.entries) if (!isBareReset(v)) o[k] = toPlain(v);
      return o;
    }
    case 'seq':
      return node.items.map(toPlain);
    case 'scalar':
      return node.value;
  }
}

/**
 * Find where a JSON pointer (ajv's instancePath, e.g. "/repos/1/gpgkey") points. With
 * `key`, the line of that key inside the map at `pointer` (for unknown/missing keys).
 */
export function locate(root: TreeNode, pointer: string, key?: string): Loc {
  let node: TreeNode = root;
  let at: Loc = { file: root.file, line: root.line };
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node.kind === 'map' && node.entries.has(seg)) {
      const e = node.entries.get(seg)!;
      at = { file: node.file, line: e.keyLine };
      node = e.node;
    } else if (node.kind === 'seq' && /^\d+$/.test(seg) && node.items[Number(seg)]) {
      node = node.items[Number(seg)];
      at = { file: node.file, line: node.line };
    } else return at;
  }
  if (key !== undefined && node.kind === 'map' && node.entries.has(key)) return { file: node.file, line: node.entries.get(key)!.keyLine };
  return node.kind === 'scalar' ? { file: node.file, line: node.line } : at.line === root.line && pointer === '' ? { file: node.file, line: node.line } : at;
}

/** "repos[1].gpgkey" from "/repos/1/gpgkey" (the way users read a key path). */
export function pointerToKey(pointer: string, extra?: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  if (extra !== undefined) out += out ? `.${extra}` : extra;
  return out || '(top level)';
}

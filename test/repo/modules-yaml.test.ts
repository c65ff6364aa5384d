// The fast modules.yaml reader gives what the `yaml` package gives (failsafe schema), on
// the real CS9 AppStream modules.yaml and on hand-made documents, and gives up (so the
// caller falls back to that package) on anything outside its subset.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseAllDocuments } from 'yaml';
import { parseModulesYaml } from '../../builder/repo/index.js';
import { BLOCK_SCALAR, readSimpleYaml, type SimpleYaml } from '../../builder/repo/modules-yaml.js';
import { fixture, tools } from '../helpers/env.js';

/** The yaml package's documents, with values masked where the fast reader left a block scalar. */
function reference(text: string, fast: { value: SimpleYaml; line: number }[]): unknown {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: false });
  const mask = (ref: unknown, f: SimpleYaml | undefined): unknown =>
    f === BLOCK_SCALAR
      ? BLOCK_SCALAR
      : Array.isArray(ref) && Array.isArray(f)
        ? ref.map((x, i) => mask(x, f[i]))
        : ref && typeof ref === 'object' && f && typeof f === 'object' && !Array.isArray(f)
          ? Object.fromEntries(Object.entries(ref).map(([k, x]) => [k, mask(x, (f as Record<string, SimpleYaml>)[k])]))
          : ref;
  return docs.map((d, i) => {
    expect(d.errors).toEqual([]);
    return { value: mask(d.toJS(), fast[i]?.value), line: d.range ? lines.linePos(d.range[0]).line : 0 };
  });
}

const APPSTREAM = fixture('osbuild-osbuild', 'testrepos', 'appstream', 'repodata');

describe('readSimpleYaml', () => {
  it.skipIf(!tools('xz'))('reads the real CS9 AppStream modules.yaml exactly as the yaml package', () => {
    const name = readdirSync(APPSTREAM).find((n) => n.endsWith('modules.yaml.xz'))!;
    const text = execFileSync('xz', ['-dc', join(APPSTREAM, name)], { encoding: 'utf8' });
    const fast = readSimpleYaml(text)!;
    expect(fast).toBeDefined();
    expect(fast.length).toBe(39);
    expect(fast).toEqual(reference(text, fast));
  });

  it.each([
    ['scalars, empty values, comments, duplicate keys', '# c\n\n---\na:\nb: ~\nc: {}\nd: []\ne: x #c\nf: "q"\ng:\n- 1\n-\n  - 2\nh: a:b\n...\n---\nx: 1\nx: 2\n'],
    ['documents without markers', 'a: 1\n---\nb: 2\n...\n'],
    ['quotes, flow sequences, sequences of mappings, block scalars', "---\n...\n---\nk: 'it''s' # c\nl: [a, 'b c', \"d\"]\nm:\n  - n: 1\n    o:\n    - p\n  - q\nr: |\n  text\n\n  more\ns: >-\n  folded\n"],
    ['compact mappings in sequences', '- a\n- b: 1\n  c: 2\n-   d: 3\n    e: 4\n'],
    ['plain scalars over several lines', 'a: x\n  y z\n  w\nb:\n- p\n  q\n- r\n'],
  ])('%s', (_, text) => {
    const fast = readSimpleYaml(text)!;
    expect(fast).toBeDefined();
    expect(fast).toEqual(reference(text, fast));
  });

  it.each([
    ['a: b: c\n'],
    ['a:\n  - x\n  y: 1\n'],
    ['a: "x\\ty"\n'],
    ['a: &x 1\nb: *x\n'],
    ['a: !!str 1\n'],
    ['a:\n  b\n  c\n'],
    ['a: x\n\n  y\n'],
    ['a: [b,\n  c]\n'],
    ['%YAML 1.2\n---\na: 1\n'],
    ['a:\n\tb: 1\n'],
    ['<<: {}\n'],
  ])('gives up on %j', (text) => {
    expect(readSimpleYaml(text)).toBeUndefined();
  });

  it('falls back to the yaml package for what it gives up on, or for a needed block scalar', () => {
    const doc = (data: string) => `---\ndocument: modulemd\nversion: 2\ndata:\n${data}`;
    const escaped = parseModulesYaml(doc('  name: "a\\x62"\n  stream: s\n  version: 1\n'));
    expect(escaped.streams[0]).toMatchObject({ name: 'ab', stream: 's', version: '1' });
    const folded = parseModulesYaml(doc('  name: n\n  stream: s\n  summary: >-\n    two\n    lines\n  description: |\n    long\n'));
    expect(folded.streams[0].summary).toBe('two lines');
    expect(() => parseModulesYaml('---\ndocument: modulemd\nversion: 2\ndata: [\n')).toThrow(/^line \d+: /);
  });
});

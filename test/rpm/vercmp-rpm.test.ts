// rpmvercmp and EVR comparison against the real rpm, over thousands of version and release
// strings from the real repodata primaries in ../shared/fixtures, plus tilde/caret/epoch edge
// cases. All pairs go to rpm in one Lua call (rpm.vercmp) through a script file.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compareEvr, parseEvr, rpmvercmp } from '../../builder/rpm/vercmp.js';
import { FIXTURES, tempDir, tools } from '../helpers/env.js';

function findPrimaries(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findPrimaries(p));
    else if (/primary\.xml(\.gz|\.zst)?$/.test(name)) out.push(p);
  }
  return out.sort();
}

function readPrimary(p: string): string {
  if (p.endsWith('.gz')) return gunzipSync(readFileSync(p)).toString('utf8');
  if (p.endsWith('.zst')) return execFileSync('zstd', ['-dcq', p], { maxBuffer: 512 << 20 }).toString('utf8');
  return readFileSync(p, 'utf8');
}

/** Deterministic pseudo-random (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE = [
  ['1.0', '1.0'], ['1.0', '1.0.0'], ['1.0~rc1', '1.0'], ['1.0~rc1', '1.0~rc2'], ['1.0~~', '1.0~'], ['1.0^', '1.0'], ['1.0^git1', '1.0'],
  ['1.0^git1', '1.0.1'], ['1.0^git1', '1.0~rc1'], ['1.0^', '1.0^git1'], ['a', '1'], ['1a', '1.a'], ['1.01', '1.1'], ['001', '1'],
  ['1.0a', '1.0'], ['2.0', '10.0'], ['1..2', '1.2'], ['1_2', '1.2'], ['', ''], ['', '1'], ['~', ''], ['^', ''], ['1.0.', '1.0'],
  ['fc4', 'fc.4'], ['5.5p1', '5.5p10'], ['10b2', '10a1'], ['1.0aa', '1.0a'], ['xyz10', 'xyz10.1'], ['99999999999999999999', '1'],
  ['12345678901234567890', '12345678901234567891'], ['1.0.0~beta^1', '1.0.0~beta'], ['el6_4', 'el6'], ['2.fc33', '2.el8'],
];

describe.skipIf(!tools('rpm', 'zstd'))('rpmvercmp agrees with the real rpm', () => {
  const tmp = tempDir('vzbuild-vercmp-');
  afterAll(() => tmp.cleanup());

  it('over thousands of pairs from real repodata', () => {
    const strings = new Set<string>();
    const byName = new Map<string, string[]>();
    const primaries = findPrimaries(FIXTURES);
    expect(primaries.length).toBeGreaterThan(0);
    for (const p of primaries) {
      const xml = readPrimary(p);
      const re = /<name>([^<]*)<\/name>[\s\S]*?<version epoch="(\d+)" ver="([^"]*)" rel="([^"]*)"\/>/g;
      for (let m = re.exec(xml); m; m = re.exec(xml)) {
        const [, name, epoch, ver, rel] = m;
        strings.add(ver).add(rel);
        byName.set(name, [...(byName.get(name) ?? []), `${epoch}:${ver}-${rel}`]);
      }
    }
    const list = [...strings].sort();
    expect(list.length).toBeGreaterThan(1000);
    const rand = rng(42);
    const pairs: [string, string][] = EDGE.map(([a, b]) => [a, b] as [string, string]);
    // Neighbours in sorted order are the interesting near-misses; random pairs cover the rest.
    for (let i = 1; i < list.length; i++) pairs.push([list[i - 1], list[i]]);
    for (let i = 0; i < 4000; i++) pairs.push([list[Math.floor(rand() * list.length)], list[Math.floor(rand() * list.length)]]);
    // Same-name packages across repos: whole EVRs, as rpmvercmp parts.
    for (const evrs of byName.values()) for (let i = 1; i < evrs.length; i++) pairs.push([evrs[i - 1], evrs[i]]);
    expect(pairs.length).toBeGreaterThan(5000);

    const lua = join(tmp.path, 'pairs.lua');
    const q = (s: string) => JSON.stringify(s); // Lua accepts JSON's string escapes for these ASCII strings
    writeFileSync(
      lua,
      'local p = {\n' + pairs.map(([a, b]) => `{${q(a)},${q(b)}},`).join('\n') + '\n}\n' +
        // rpm.vercmp refuses strings rpmverParse rejects (e.g. ""): those come back as "E".
        'local out = {}\nfor i, x in ipairs(p) do local ok, r = pcall(rpm.vercmp, x[1], x[2]); out[i] = ok and r or "E" end\nprint(table.concat(out, ","))\n',
    );
    const theirs = execFileSync('rpm', ['--eval', `%{lua: dofile(${q(lua)})}`], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split(',').map((x) => (x === 'E' ? NaN : Number(x)));
    expect(theirs.length).toBe(pairs.length);
    expect(theirs.filter(Number.isNaN).length).toBeLessThan(5);
    const mismatches = pairs
      .map(([a, b], i) => {
        // rpm.vercmp on "E:V-R" strings compares EVRs (rpmverCmp on parsed EVRs).
        const ours = a.includes(':') && b.includes(':') ? Math.sign(compareEvr(parseEvr(a), parseEvr(b))) : rpmvercmp(a, b);
        return ours === theirs[i] || Number.isNaN(theirs[i]) ? undefined : `${a} vs ${b}: rpm ${theirs[i]}, ours ${ours}`;
      })
      .filter(Boolean);
    expect(mismatches).toEqual([]);
  });
});

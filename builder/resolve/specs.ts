// Matching dnf package specs the way hawkey's Subject does: NEVRA forms tried in dnf's
// order (NEVRA, NA, NAME, NEVR, NEV) with globs in any field, then provides, then file
// paths. Also used for excludes (NEVRA forms only, as dnf applies `exclude=`).
import type { Dep, RepoPackage, Sense } from '../model/package.js';
import { parseEvr } from '../rpm/vercmp.js';

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

const globCache = new Map<string, RegExp>();
export function globRegExp(glob: string): RegExp {
  let r = globCache.get(glob);
  if (r) return r;
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else if (c === '[') {
      const j = glob.indexOf(']', i + 2);
      if (j < 0) src += '\\[';
      else {
        let body = glob.slice(i + 1, j);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        src += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = j;
      }
    } else src += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  r = new RegExp(`^${src}$`);
  globCache.set(glob, r);
  return r;
}

function fieldMatches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  return isGlob(pattern) ? globRegExp(pattern).test(value) : pattern === value;
}

export type NevraForm = 'nevra' | 'na' | 'name' | 'nevr' | 'nev';
export interface NevraPattern {
  form: NevraForm;
  name: string;
  epoch?: string;
  version?: string;
  release?: string;
  arch?: string;
}

const N = '([^:(/=<> ]+)';
const E = '(?:([0-9]+):)?';
const V = '([^-:(/=<> ]+)';
const FORMS: [NevraForm, RegExp][] = [
  ['nevra', new RegExp(`^${N}-${E}${V}-${V}\\.([^-.:(/=<> ]+)$`)],
  ['na', new RegExp(`^${N}\\.([^-.:(/=<> ]+)$`)],
  ['name', new RegExp(`^${N}$`)],
  ['nevr', new RegExp(`^${N}-${E}${V}-${V}$`)],
  ['nev', new RegExp(`^${N}-${E}${V}$`)],
];

/** The ways dnf reads a spec, most specific first. */
export function nevraPossibilities(spec: string): NevraPattern[] {
  const out: NevraPattern[] = [];
  for (const [form, re] of FORMS) {
    const m = re.exec(spec);
    if (!m) continue;
    if (form === 'nevra') out.push({ form, name: m[1], epoch: m[2], version: m[3], release: m[4], arch: m[5] });
    else if (form === 'na') out.push({ form, name: m[1], arch: m[2] });
    else if (form === 'name') out.push({ form, name: m[1] });
    else if (form === 'nevr') out.push({ form, name: m[1], epoch: m[2], version: m[3], release: m[4] });
    else out.push({ form, name: m[1], epoch: m[2], version: m[3] });
  }
  return out;
}

export function matchesNevra(p: NevraPattern, pkg: RepoPackage): boolean {
  return (
    fieldMatches(p.name, pkg.name) &&
    (p.epoch === undefined || Number(p.epoch) === pkg.epoch) &&
    fieldMatches(p.version, pkg.version) &&
    fieldMatches(p.release, pkg.release) &&
    fieldMatches(p.arch, pkg.arch)
  );
}

/** The first NEVRA reading of `spec` that matches anything, and its matches. */
export function queryNevra(spec: string, pkgs: readonly RepoPackage[]): { pattern: NevraPattern; matches: RepoPackage[] } | undefined {
  for (const pattern of nevraPossibilities(spec)) {
    const matches = pkgs.filter((p) => p.arch !== 'src' && p.arch !== 'nosrc' && matchesNevra(pattern, p));
    if (matches.length) return { pattern, matches };
  }
  return undefined;
}

const OPS: Record<string, Sense> = { '=': 'EQ', '==': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };

/** "foo >= 1.0" or "foo" as a dependency. */
export function parseDepSpec(spec: string): Dep | undefined {
  const m = /^(\S+)\s*(<=|>=|==|=|<|>)\s*(\S+)$/.exec(spec.trim());
  if (m) return { name: m[1], sense: OPS[m[2]], evr: parseEvr(m[3]) };
  if (/\s/.test(spec.trim())) return undefined;
  return { name: spec.trim() };
}

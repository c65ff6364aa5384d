// TEST-ONLY stopgap until builder/repo/ lands on main: a tiny primary.xml + comps reader
// so the solver can be checked against dnf on real repodata. Not streaming, no checksums.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import type { Dep, DepKind, RepoPackage, Sense } from '../../../builder/model/package.js';
import type { CompsData } from '../../../builder/resolve/types.js';

function readMaybeCompressed(path: string): string {
  if (path.endsWith('.gz')) return gunzipSync(readFileSync(path)).toString('utf8');
  if (path.endsWith('.xz')) return execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 }).toString('utf8');
  if (path.endsWith('.zst')) return execFileSync('zstd', ['-dc', path], { maxBuffer: 1 << 30 }).toString('utf8');
  return readFileSync(path, 'utf8');
}

function find(repo: string, kind: RegExp): string | undefined {
  const dir = join(repo, 'repodata');
  const f = readdirSync(dir).find((n) => kind.test(n));
  return f ? join(dir, f) : undefined;
}

const KINDS = new Set(['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances']);

export function loadPrimary(repo: string, id: string): RepoPackage[] {
  const xml = readMaybeCompressed(find(repo, /primary\.xml/)!);
  const out: RepoPackage[] = [];
  const p = new SaxesParser({ xmlns: false });
  let cur: RepoPackage | undefined;
  let kind: DepKind | undefined;
  let text = '';
  p.on('opentag', (t) => {
    const a = t.attributes as Record<string, string>;
    text = '';
    switch (t.name) {
      case 'package':
        cur = { name: '', epoch: 0, version: '', release: '', arch: '', repo: id, checksum: '', location: '', sizePackage: 0, sizeInstalled: 0, files: [], provides: [], requires: [], conflicts: [], obsoletes: [], recommends: [], suggests: [], supplements: [], enhances: [] };
        break;
      case 'version':
        if (cur) Object.assign(cur, { epoch: Number(a.epoch ?? 0), version: a.ver, release: a.rel });
        break;
      case 'location':
        if (cur) cur.location = a.href;
        break;
      case 'size':
        if (cur) Object.assign(cur, { sizePackage: Number(a.package), sizeInstalled: Number(a.installed) });
        break;
      case 'checksum':
        if (cur) cur.checksum = (a.type === 'sha' ? 'sha1' : a.type) + ':';
        break;
      case 'rpm:entry':
        if (cur && kind) {
          const d: Dep = { name: a.name };
          if (a.flags) d.sense = a.flags as Sense;
          if (a.ver !== undefined) d.evr = { epoch: Number(a.epoch ?? 0), version: a.ver, ...(a.rel !== undefined ? { release: a.rel } : {}) };
          if (a.pre === '1') d.pre = true;
          cur[kind].push(d);
        }
        break;
      default:
        if (t.name.startsWith('rpm:') && KINDS.has(t.name.slice(4))) kind = t.name.slice(4) as DepKind;
    }
  });
  p.on('text', (s) => (text += s));
  p.on('closetag', (t) => {
    if (!cur) return;
    if (t.name === 'name') cur.name = text;
    else if (t.name === 'arch') cur.arch = text;
    else if (t.name === 'checksum') cur.checksum += text;
    else if (t.name === 'file') cur.files.push(text);
    else if (t.name === 'package') {
      out.push(cur);
      cur = undefined;
    } else if (t.name.startsWith('rpm:') && KINDS.has(t.name.slice(4))) kind = undefined;
  });
  p.write(xml).close();
  return out;
}

/** Paths -> owners from filelists.xml (only for the paths asked about). */
export function loadFileOwners(repo: string, pkgs: RepoPackage[], paths: Set<string>): Map<string, RepoPackage[]> {
  const f = find(repo, /filelists\.xml/);
  const out = new Map<string, RepoPackage[]>();
  if (!f || !paths.size) return out;
  const byKey = new Map(pkgs.map((p) => [`${p.name}\0${p.epoch}:${p.version}-${p.release}.${p.arch}`, p]));
  const p = new SaxesParser({ xmlns: false });
  let cur: RepoPackage | undefined;
  let name = '';
  let arch = '';
  let text = '';
  p.on('opentag', (t) => {
    const a = t.attributes as Record<string, string>;
    text = '';
    if (t.name === 'package') {
      name = a.name;
      arch = a.arch;
    } else if (t.name === 'version') cur = byKey.get(`${name}\0${Number(a.epoch ?? 0)}:${a.ver}-${a.rel}.${arch}`);
  });
  p.on('text', (s) => (text += s));
  p.on('closetag', (t) => {
    if (t.name === 'file' && cur && paths.has(text)) out.set(text, [...(out.get(text) ?? []), cur]);
  });
  p.write(readMaybeCompressed(f)).close();
  return out;
}

export function loadComps(repo: string): CompsData | undefined {
  const f = find(repo, /(group|comps)[^/]*\.xml/);
  if (!f) return undefined;
  const comps: CompsData = { groups: [], environments: [] };
  const p = new SaxesParser({ xmlns: false });
  let stack: string[] = [];
  let g: CompsData['groups'][number] | undefined;
  let env: CompsData['environments'][number] | undefined;
  let text = '';
  let req: Record<string, string> = {};
  let inOption = false;
  let optDefault = false;
  p.on('opentag', (t) => {
    stack.push(t.name);
    text = '';
    const a = t.attributes as Record<string, string>;
    if (t.name === 'group' && stack.length === 2) g = { id: '', packages: [] };
    if (t.name === 'environment') env = { id: '', groups: [], options: [] };
    if (t.name === 'packagereq') req = a;
    if (t.name === 'optionlist') inOption = true;
    if (t.name === 'groupid') optDefault = a.default === 'true';
  });
  p.on('text', (s) => (text += s));
  p.on('closetag', (t) => {
    stack.pop();
    if (g && t.name === 'id' && stack[stack.length - 1] === 'group') g.id = text;
    if (env && t.name === 'id' && stack[stack.length - 1] === 'environment') env.id = text;
    if (g && t.name === 'packagereq') g.packages.push({ name: text.trim(), type: (req.type ?? 'mandatory') as 'mandatory', ...(req.requires ? { requires: req.requires } : {}), ...(req.basearchonly === 'true' ? { basearchonly: true } : {}) });
    if (g && t.name === 'group' && stack.length === 1) {
      comps.groups.push(g);
      g = undefined;
    }
    if (env && t.name === 'groupid') {
      if (inOption) env.options.push({ id: text.trim(), default: optDefault });
      else env.groups.push(text.trim());
    }
    if (t.name === 'optionlist') inOption = false;
    if (env && t.name === 'environment') {
      comps.environments.push(env);
      env = undefined;
    }
  });
  p.write(readMaybeCompressed(f)).close();
  return comps;
}

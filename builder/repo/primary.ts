// primary.xml: one RepoPackage per <package>, with NEVRA, the eight dependency lists,
// checksum, location, sizes and primary's subset of the file list. Descriptions,
// summaries, changelogs and the like are skipped (the resolver and fetcher don't need
// them), which keeps the parsed form small.
import type { Dep, DepKind, RepoPackage, Sense } from '../model/package.js';
import { formatChecksum } from './checksum.js';
import { XmlSyntaxError } from './errors.js';
import { ByteInterner, SlotTable } from './intern.js';
import type { XmlHandler, XmlScanner } from './xml-scanner.js';

const DEP_ELEMENTS: Record<string, DepKind> = {
  'rpm:provides': 'provides',
  'rpm:requires': 'requires',
  'rpm:conflicts': 'conflicts',
  'rpm:obsoletes': 'obsoletes',
  'rpm:recommends': 'recommends',
  'rpm:suggests': 'suggests',
  'rpm:supplements': 'supplements',
  'rpm:enhances': 'enhances',
};
const SENSES = new Set(['EQ', 'LT', 'LE', 'GT', 'GE']);

/** Strings come interned from the scanner (see ByteInterner). */
function makeDep(name: string, sense: Sense | undefined, epoch: string | undefined, ver: string | undefined, rel: string | undefined, pre: boolean): Dep {
  if (sense === undefined) return pre ? { name, pre: true } : { name };
  const e = epoch ? Number(epoch) || 0 : 0;
  const version = ver ?? '';
  const evr = rel === undefined ? { epoch: e, version } : { epoch: e, version, release: rel };
  return pre ? { name, sense, evr, pre: true } : { name, sense, evr };
}

function newPackage(repo: string): RepoPackage {
  return {
    name: '', epoch: 0, version: '', release: '', arch: '', repo,
    checksum: '', location: '', locationBase: undefined, sizePackage: 0, sizeInstalled: 0,
    sourcerpm: undefined, buildtime: undefined, files: [],
    provides: [], requires: [], conflicts: [], obsoletes: [], recommends: [], suggests: [], supplements: [], enhances: [],
  };
}

/**
 * Deps by the attribute bytes of their <rpm:entry> (415k entries, 150k distinct in CS9
 * AppStream). Keys live in one growing byte arena and are found by the scanner's hash in
 * an open-addressed table, so a hit allocates nothing and hashes no string.
 */
class EntryCache {
  private arena = new Uint8Array(1 << 20);
  private used = 0;
  /** Slots index deps/at/len (+ 1). */
  private readonly table = new SlotTable(1 << 16);
  private at = new Int32Array(1 << 15);
  private len = new Int32Array(1 << 15);
  private readonly deps: Dep[] = [];

  get(s: XmlScanner): Dep | undefined {
    const h = s.attrsHash();
    const { slots, hashes } = this.table;
    const mask = slots.length - 1;
    for (let i = h & mask; slots[i] !== 0; i = (i + 1) & mask) {
      const d = slots[i] - 1;
      if (hashes[i] === h && s.attrsEqual(this.arena, this.at[d], this.len[d])) return this.deps[d];
    }
    return undefined;
  }

  add(s: XmlScanner, dep: Dep): void {
    const n = s.attrsLength();
    if (this.used + n > this.arena.length) this.arena = grown(this.arena, this.used + n);
    s.copyAttrs(this.arena, this.used);
    const d = this.deps.length;
    if (d === this.at.length) {
      this.at = grown(this.at, d + 1);
      this.len = grown(this.len, d + 1);
    }
    this.deps.push(dep);
    this.at[d] = this.used;
    this.len[d] = n;
    this.used += n;
    this.table.add(s.attrsHash(), d + 1);
  }
}

function grown<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  b.set(a);
  return b;
}

export interface PrimaryParser extends XmlHandler {
  readonly packages: RepoPackage[];
  /** The <metadata packages="N"> count, for a sanity check. */
  declared?: number;
}

export function primaryParser(repo: string): PrimaryParser {
  const packages: RepoPackage[] = [];
  const entries = new EntryCache();
  let pkg: RepoPackage | undefined;
  let deps: Dep[] | undefined;
  let sumType = '';
  let scanner: XmlScanner | undefined;
  const fail = (msg: string) => new XmlSyntaxError(msg, scanner?.lineAt() ?? 0);

  const parser: PrimaryParser = {
    intern: new ByteInterner(),
    packages,
    open(name, s) {
      if (pkg === undefined) {
        if (name === 'package') {
          scanner = s;
          pkg = newPackage(repo);
        } else if (name === 'metadata') {
          const n = s.attr('packages');
          if (n !== undefined) parser.declared = Number(n);
        } else if (!scanner) {
          scanner = s;
          throw fail(`root element is <${name}>, expected <metadata>`);
        }
        return;
      }
      switch (name) {
        case 'rpm:entry': {
          if (!deps) return;
          // Most entries repeat verbatim across packages: look them up by their bytes.
          const known = entries.get(s);
          if (known !== undefined) {
            deps.push(known);
            return;
          }
          const depName = s.attr('name');
          if (!depName) throw fail(`<rpm:entry> without name= in ${pkg.name}`);
          const flags = s.attr('flags');
          if (flags !== undefined && !SENSES.has(flags)) throw fail(`<rpm:entry name="${depName}"> has unknown flags="${flags}"`);
          const pre = s.attr('pre');
          const dep = makeDep(depName, flags as Sense | undefined, s.attr('epoch'), s.attr('ver'), s.attr('rel'), pre === '1' || pre === 'true');
          entries.add(s, dep);
          deps.push(dep);
          return;
        }
        case 'file':
          return true;
        case 'name':
        case 'arch':
        case 'rpm:sourcerpm':
          return true;
        case 'version':
          pkg.epoch = Number(s.attr('epoch') ?? 0) || 0;
          pkg.version = s.attr('ver') ?? '';
          pkg.release = s.attr('rel') ?? '';
          return;
        case 'checksum':
          sumType = s.attr('type') ?? '';
          return true;
        case 'location': {
          const href = s.attr('href');
          if (!href) throw fail(`<location> without href= in ${pkg.name}`);
          pkg.location = href;
          const base = s.attr('xml:base');
          if (base) pkg.locationBase = base;
          return;
        }
        case 'size':
          pkg.sizePackage = Number(s.attr('package') ?? 0);
          pkg.sizeInstalled = Number(s.attr('installed') ?? 0);
          return;
        case 'time': {
          const b = s.attr('build');
          if (b !== undefined) pkg.buildtime = Number(b);
          return;
        }
        case 'rpm:provides':
        case 'rpm:requires':
        case 'rpm:conflicts':
        case 'rpm:obsoletes':
        case 'rpm:recommends':
        case 'rpm:suggests':
        case 'rpm:supplements':
        case 'rpm:enhances':
          deps = pkg[DEP_ELEMENTS[name]];
          return;
      }
    },
    close(name, text) {
      if (!pkg) return;
      if (text !== undefined) {
        switch (name) {
          case 'file':
            pkg.files.push(text);
            return;
          case 'name':
            pkg.name = text;
            return;
          case 'arch':
            pkg.arch = text;
            return;
          case 'rpm:sourcerpm':
            if (text) pkg.sourcerpm = text;
            return;
          case 'checksum': {
            const c = formatChecksum(sumType, text);
            if (!c) throw fail(`unsupported checksum type "${sumType}" for ${pkg.name}`);
            pkg.checksum = c;
            return;
          }
        }
        return;
      }
      if (name === 'package') {
        const missing = (['name', 'arch', 'version', 'checksum', 'location'] as const).filter((k) => !pkg![k]);
        if (missing.length) throw fail(`<package> ${pkg.name || `#${packages.length + 1}`} lacks ${missing.join(', ')}`);
        packages.push(pkg);
        pkg = undefined;
      } else if (deps !== undefined && name !== 'rpm:entry') {
        deps = undefined;
      }
    },
  };
  return parser;
}

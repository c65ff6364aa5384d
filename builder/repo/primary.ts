// primary.xml: per <package> its NEVRA, the eight dependency lists, checksum, location,
// sizes and primary's subset of the file list, recorded in the parse cache's int form
// (packages-codec.ts); decodePackages() turns that into RepoPackages. Descriptions,
// summaries, changelogs and the like are skipped (the resolver and fetcher don't need
// them), which keeps the parsed form small.
import { formatChecksum } from './checksum.js';
import { XmlSyntaxError } from './errors.js';
import { ByteInterner, EMPTY, SlotTable } from './intern.js';
import { IntBuf, senseCode, Strings, type Unpacked } from './packages-codec.js';
import type { XmlHandler, XmlScanner } from './xml-scanner.js';

/** Dependency lists in the codec's (DEP_KINDS) order. */
const DEP_ELEMENTS: Record<string, number> = {
  'rpm:provides': 0,
  'rpm:requires': 1,
  'rpm:conflicts': 2,
  'rpm:obsoletes': 3,
  'rpm:recommends': 4,
  'rpm:suggests': 5,
  'rpm:supplements': 6,
  'rpm:enhances': 7,
};

/**
 * Dependency ids by the attribute bytes of their <rpm:entry> (415k entries, 150k distinct
 * in CS9 AppStream). Keys live in one growing byte arena and are found by the scanner's
 * hash in an open-addressed table, so a hit allocates nothing and hashes no string.
 */
class EntryCache {
  private arena = new Uint8Array(1 << 20);
  private used = 0;
  /** Slots index at/len (+ 1); an entry's index is its dependency id. */
  private readonly table = new SlotTable(1 << 16);
  private at = new Int32Array(1 << 15);
  private len = new Int32Array(1 << 15);
  count = 0;

  get(s: XmlScanner): number {
    const h = s.attrsHash();
    const { slots, hashes } = this.table;
    const mask = slots.length - 1;
    for (let i = h & mask; slots[i] !== 0; i = (i + 1) & mask) {
      const d = slots[i] - 1;
      if (hashes[i] === h && s.attrsEqual(this.arena, this.at[d], this.len[d])) return d;
    }
    return -1;
  }

  add(s: XmlScanner): number {
    const n = s.attrsLength();
    if (this.used + n > this.arena.length) this.arena = grown(this.arena, this.used + n);
    s.copyAttrs(this.arena, this.used);
    const d = this.count++;
    if (d === this.at.length) {
      this.at = grown(this.at, d + 1);
      this.len = grown(this.len, d + 1);
    }
    this.at[d] = this.used;
    this.len[d] = n;
    this.used += n;
    this.table.add(s.attrsHash(), d + 1);
    return d;
  }
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(a: T, need: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  b.set(a);
  return b;
}

export interface PrimaryParser extends XmlHandler {
  /** <package> elements read so far. */
  readonly count: number;
  /** The <metadata packages="N"> count, for a sanity check. */
  declared?: number;
  /** The packages in the parse cache's form: decodePackages() makes RepoPackages of it. */
  result(): Unpacked;
}

// A package's ints while it is read: PKG_INTS minus the list positions, filled at its end.
const NAME = 0;
const ARCH = 1;
const VERSION = 2;
const RELEASE = 3;
const EPOCH = 4;
const CHECKSUM = 5;
const LOCATION = 6;
const LOCATION_BASE = 7;
const SOURCERPM = 8;

/**
 * The primary.xml handler. It makes no package objects: it records each package as ints
 * (string ids from the interner, dependency ids from the entry cache) in the parse cache's
 * layout, so the cache needs no second encoding pass and a worker thread's result
 * crosses to the main thread as one buffer (see primary-parallel.ts).
 */
export function primaryParser(): PrimaryParser {
  const intern = new ByteInterner();
  const entries = new EntryCache();
  const depInts = new IntBuf(1 << 16);
  const pkgInts = new IntBuf(1 << 16);
  const refs = new IntBuf(1 << 16);
  let floats = new Float64Array(3 << 10);
  // the package being read
  let inPkg = false;
  const cur = new Int32Array(9);
  const sizes = new Float64Array(3);
  const files = new IntBuf(256);
  const lists = Array.from({ length: 8 }, () => new IntBuf(256));
  let list: IntBuf | undefined;
  let sumType = '';
  let scanner: XmlScanner | undefined;
  let count = 0;
  const fail = (msg: string) => new XmlSyntaxError(msg, scanner?.lineAt() ?? 0);
  const str = (id: number) => (id < 0 ? '' : intern.strings[id]);
  const pkgName = () => str(cur[NAME]);

  const parser: PrimaryParser = {
    intern,
    get count() {
      return count;
    },
    result() {
      const ints = new Int32Array(3 + depInts.n + pkgInts.n + refs.n);
      ints[0] = count;
      ints[1] = entries.count;
      ints[2] = refs.n;
      ints.set(depInts.view(), 3);
      ints.set(pkgInts.view(), 3 + depInts.n);
      ints.set(refs.view(), 3 + depInts.n + pkgInts.n);
      return { kind: 'packages', meta: null, strings: Strings.of(intern.strings), ints, floats: floats.subarray(0, count * 3), parts: [] };
    },
    open(name, s) {
      if (!inPkg) {
        if (name === 'package') {
          scanner = s;
          inPkg = true;
          // absent strings are '' (then reported missing) or -1 (optional ones)
          cur.fill(EMPTY);
          cur[EPOCH] = 0;
          cur[LOCATION_BASE] = -1;
          cur[SOURCERPM] = -1;
          sizes[0] = 0;
          sizes[1] = 0;
          sizes[2] = NaN;
          files.n = 0;
          for (const l of lists) l.n = 0;
          list = undefined;
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
          if (!list) return;
          // Most entries repeat verbatim across packages: look them up by their bytes.
          const known = entries.get(s);
          if (known >= 0) {
            list.push(known);
            return;
          }
          const depName = s.attrId('name');
          if (depName < 0 || depName === EMPTY) throw fail(`<rpm:entry> without name= in ${pkgName()}`);
          const flags = s.attr('flags');
          const sense = flags === undefined ? 0 : senseCode(flags);
          if (sense < 0) throw fail(`<rpm:entry name="${str(depName)}"> has unknown flags="${flags}"`);
          const pre = s.attr('pre');
          depInts.push(depName);
          depInts.push(sense);
          if (sense === 0) {
            depInts.push(0);
            depInts.push(-1);
            depInts.push(-1);
          } else {
            depInts.push(s.attrNumber('epoch') || 0);
            const ver = s.attrId('ver');
            depInts.push(ver < 0 ? EMPTY : ver);
            depInts.push(s.attrId('rel'));
          }
          depInts.push(pre === '1' || pre === 'true' ? 1 : 0);
          list.push(entries.add(s));
          return;
        }
        case 'file':
        case 'name':
        case 'arch':
        case 'rpm:sourcerpm':
          return true;
        case 'version': {
          cur[EPOCH] = s.attrNumber('epoch') || 0;
          const v = s.attrId('ver');
          const r = s.attrId('rel');
          cur[VERSION] = v < 0 ? EMPTY : v;
          cur[RELEASE] = r < 0 ? EMPTY : r;
          return;
        }
        case 'checksum':
          sumType = s.attr('type') ?? '';
          return true;
        case 'location': {
          const href = s.attrId('href');
          if (href < 0 || href === EMPTY) throw fail(`<location> without href= in ${pkgName()}`);
          cur[LOCATION] = href;
          const base = s.attrId('xml:base');
          if (base >= 0 && base !== EMPTY) cur[LOCATION_BASE] = base;
          return;
        }
        case 'size':
          sizes[0] = s.attrNumber('package') ?? 0;
          sizes[1] = s.attrNumber('installed') ?? 0;
          return;
        case 'time': {
          const b = s.attrNumber('build');
          if (b !== undefined) sizes[2] = b;
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
          list = lists[DEP_ELEMENTS[name]];
          return;
      }
    },
    close(name, text) {
      if (!inPkg) return;
      if (text !== undefined) {
        switch (name) {
          case 'file':
            files.push(scanner!.textId());
            return;
          case 'name':
            cur[NAME] = scanner!.textId();
            return;
          case 'arch':
            cur[ARCH] = scanner!.textId();
            return;
          case 'rpm:sourcerpm':
            if (text) cur[SOURCERPM] = scanner!.textId();
            return;
          case 'checksum': {
            const c = formatChecksum(sumType, text);
            if (!c) throw fail(`unsupported checksum type "${sumType}" for ${pkgName()}`);
            cur[CHECKSUM] = intern.id(c);
            return;
          }
        }
        return;
      }
      if (name === 'package') {
        const missing = (['name', 'arch', 'version', 'checksum', 'location'] as const).filter((k, i) => {
          const id = cur[[NAME, ARCH, VERSION, CHECKSUM, LOCATION][i]];
          return id < 0 || id === EMPTY;
        });
        if (missing.length) throw fail(`<package> ${pkgName() || `#${count + 1}`} lacks ${missing.join(', ')}`);
        for (let i = 0; i < 9; i++) pkgInts.push(cur[i]);
        pkgInts.push(refs.n);
        pkgInts.push(files.n);
        for (let i = 0; i < files.n; i++) refs.push(files.a[i]);
        for (const l of lists) {
          pkgInts.push(refs.n);
          pkgInts.push(l.n);
          for (let i = 0; i < l.n; i++) refs.push(l.a[i]);
        }
        if ((count + 1) * 3 > floats.length) floats = grown(floats, (count + 1) * 3);
        floats[count * 3] = sizes[0];
        floats[count * 3 + 1] = sizes[1];
        floats[count * 3 + 2] = sizes[2];
        count++;
        inPkg = false;
      } else if (list !== undefined && name !== 'rpm:entry') {
        list = undefined;
      }
    },
  };
  return parser;
}

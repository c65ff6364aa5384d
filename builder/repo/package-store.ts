// Packages read from the parse cache's form (packages-codec.ts) lazily, plus the per-repo
// lookups the resolver needs (by name, provide, obsolete, primary file) built from its ids.
//
// A resolve touches a few hundred or thousand of a repo's packages (CS9 AppStream: 17,649),
// but making every package's eight dependency lists and ~150k Dep objects up front, and
// then indexing every provide by its text in Maps, was most of a resolve on cached metadata
// (and most of its garbage). Here a package object holds its scalar fields; its dependency
// and file lists are made on first use, from shared Dep objects also made on first use.
// The indexes group (string id, package) pairs with a counting sort over typed arrays; the
// only per-string work is hashing each distinct key once, to find equal texts under
// different ids (the interner may give a string two, and parts have their own tables).
import type { Dep, PackageIndex, RepoPackage, Sense } from '../model/package.js';
import { IntBuf, type Unpacked } from './packages-codec.js';

const SENSES: (Sense | undefined)[] = [undefined, 'EQ', 'LT', 'LE', 'GT', 'GE'];
/** Ints per package and per dependency in the codec's layout (see encodePackages). */
const PKG_INTS = 11 + 2 * 8;
const DEP_INTS = 6;
// Where a package's lists start in its ints: files at 9, then DEP_KINDS order from 11.
const FILES = 9;
const PROVIDES = 11;
const OBSOLETES = 11 + 2 * 3;
const SUPPLEMENTS = 11 + 2 * 6;
const ENHANCES = 11 + 2 * 7;

// Most packages have no conflicts, obsoletes, weak deps or files in primary: one shared,
// frozen empty list for all of them (frozen: a push throws instead of changing them all).
const NO_DEPS = Object.freeze([]) as unknown as Dep[];
const NO_FILES = Object.freeze([]) as unknown as string[];
const NONE = new Int32Array(0);

/** One 'packages' form: its tables and the Dep objects made from it so far. */
class Form {
  readonly S: string[];
  readonly I: Int32Array;
  readonly F: Float64Array;
  readonly nPkg: number;
  readonly nDep: number;
  readonly pkgBase: number;
  readonly refBase: number;
  private readonly deps: (Dep | undefined)[];

  constructor(u: Unpacked) {
    if (u.kind !== 'packages') throw new Error(`holds ${u.kind}, not packages`);
    this.S = u.strings;
    this.I = u.ints;
    this.F = u.floats;
    this.nPkg = u.ints[0];
    this.nDep = u.ints[1];
    this.pkgBase = 3 + this.nDep * DEP_INTS;
    this.refBase = this.pkgBase + this.nPkg * PKG_INTS;
    if (this.refBase + u.ints[2] > u.ints.length || this.F.length < this.nPkg * 3) throw new Error('cache file is truncated');
    this.deps = new Array(this.nDep);
  }

  depName(id: number): string {
    return this.S[this.I[3 + id * DEP_INTS]];
  }

  dep(id: number): Dep {
    return (this.deps[id] ??= this.makeDep(id));
  }

  private makeDep(id: number): Dep {
    const { S, I } = this;
    const o = 3 + id * DEP_INTS;
    const sense = SENSES[I[o + 1]];
    const name = S[I[o]];
    if (sense === undefined) return I[o + 5] ? { name, pre: true } : { name };
    const evr = I[o + 4] < 0 ? { epoch: I[o + 2], version: S[I[o + 3]] } : { epoch: I[o + 2], version: S[I[o + 3]], release: S[I[o + 4]] };
    return I[o + 5] ? { name, sense, evr, pre: true } : { name, sense, evr };
  }

  /** Dependency list `field` (PROVIDES + 2k) of the package whose ints start at `at`. */
  list(at: number, field: number): Dep[] {
    const count = this.I[at + field + 1];
    if (count === 0) return NO_DEPS;
    const start = this.refBase + this.I[at + field];
    const out: Dep[] = new Array(count);
    for (let k = 0; k < count; k++) out[k] = this.dep(this.I[start + k]);
    return out;
  }

  files(at: number): string[] {
    const count = this.I[at + FILES + 1];
    if (count === 0) return NO_FILES;
    const start = this.refBase + this.I[at + FILES];
    const out: string[] = new Array(count);
    for (let k = 0; k < count; k++) out[k] = this.S[this.I[start + k]];
    return out;
  }
}

/**
 * A RepoPackage over a Form: scalar fields are plain properties; the file and dependency
 * lists are accessors that make the list on first use and keep it. The lists are shared
 * data: treat them as read-only, as with any parsed package.
 */
class StoredPackage implements RepoPackage {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  repo: string;
  checksum: string;
  location: string;
  locationBase: string | undefined;
  sizePackage: number;
  sizeInstalled: number;
  sourcerpm: string | undefined;
  buildtime: number | undefined;
  readonly #form: Form;
  readonly #at: number;
  #lists: Dep[][] | undefined;
  #files: string[] | undefined;

  constructor(form: Form, i: number, repo: string) {
    const { S, I, F } = form;
    const o = form.pkgBase + i * PKG_INTS;
    this.name = S[I[o]];
    this.epoch = I[o + 4];
    this.version = S[I[o + 2]];
    this.release = S[I[o + 3]];
    this.arch = S[I[o + 1]];
    this.repo = repo;
    this.checksum = S[I[o + 5]];
    this.location = S[I[o + 6]];
    this.locationBase = I[o + 7] < 0 ? undefined : S[I[o + 7]];
    this.sizePackage = F[i * 3];
    this.sizeInstalled = F[i * 3 + 1];
    this.sourcerpm = I[o + 8] < 0 ? undefined : S[I[o + 8]];
    const bt = F[i * 3 + 2];
    this.buildtime = Number.isNaN(bt) ? undefined : bt;
    this.#form = form;
    this.#at = o;
  }

  #list(k: number): Dep[] {
    const lists = (this.#lists ??= new Array<Dep[]>(8));
    return (lists[k] ??= this.#form.list(this.#at, PROVIDES + 2 * k));
  }

  get files(): string[] {
    return (this.#files ??= this.#form.files(this.#at));
  }
  get provides(): Dep[] {
    return this.#list(0);
  }
  get requires(): Dep[] {
    return this.#list(1);
  }
  get conflicts(): Dep[] {
    return this.#list(2);
  }
  get obsoletes(): Dep[] {
    return this.#list(3);
  }
  get recommends(): Dep[] {
    return this.#list(4);
  }
  get suggests(): Dep[] {
    return this.#list(5);
  }
  get supplements(): Dep[] {
    return this.#list(6);
  }
  get enhances(): Dep[] {
    return this.#list(7);
  }

  /** A plain copy with every list made (for JSON and for comparing packages field by field). */
  toJSON(): RepoPackage {
    const { name, epoch, version, release, arch, repo, checksum, location, locationBase, sizePackage, sizeInstalled, sourcerpm, buildtime } = this;
    const { files, provides, requires, conflicts, obsoletes, recommends, suggests, supplements, enhances } = this;
    return { name, epoch, version, release, arch, repo, checksum, location, locationBase, sizePackage, sizeInstalled, sourcerpm, buildtime, files, provides, requires, conflicts, obsoletes, recommends, suggests, supplements, enhances };
  }
}

function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

/** Grouped (key, position) pairs: positions of key c are data[start[c], start[c + 1]). */
interface Groups {
  start: Int32Array;
  data: Int32Array;
}

/** One form's lookups. Keys are canonical string ids: the first id seen for a text. */
class FormIndex {
  private readonly canon: Int32Array; // string id -> canonical id + 1 (0: not seen yet)
  private readonly slots: Int32Array; // open addressing over canonical ids + 1
  private readonly mask: number;
  private names?: Groups;
  private provides?: Groups;
  private obsoletes?: Groups;
  private files?: Groups;
  readonly supplementing: Int32Array;
  readonly weak: Int32Array;

  constructor(private readonly form: Form) {
    this.canon = new Int32Array(form.S.length);
    let size = 1024;
    while (size < form.S.length * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    const { I, nPkg, pkgBase } = form;
    const sup = new IntBuf(256);
    const weak = new IntBuf(256);
    for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS) {
      if (I[o + SUPPLEMENTS + 1]) sup.push(i);
      if (I[o + SUPPLEMENTS + 1] || I[o + ENHANCES + 1]) weak.push(i);
    }
    this.supplementing = sup.view().slice();
    this.weak = weak.view().slice();
  }

  private key(id: number): number {
    const c = this.canon[id];
    if (c) return c - 1;
    const S = this.form.S;
    const s = S[id];
    const { slots, mask } = this;
    for (let i = hashString(s) & mask; ; i = (i + 1) & mask) {
      const slot = slots[i];
      if (slot === 0) {
        slots[i] = id + 1;
        this.canon[id] = id + 1;
        return id;
      }
      if (S[slot - 1] === s) {
        this.canon[id] = slot;
        return slot - 1;
      }
    }
  }

  /** The canonical id of `s`, or -1 if no key of any built index has that text. */
  private find(s: string): number {
    const S = this.form.S;
    const { slots, mask } = this;
    for (let i = hashString(s) & mask; ; i = (i + 1) & mask) {
      const slot = slots[i];
      if (slot === 0) return -1;
      if (S[slot - 1] === s) return slot - 1;
    }
  }

  /** Group the pairs `each` emits (positions ascending), each (key, position) once. */
  private group(each: (add: (strId: number, pos: number) => void) => void): Groups {
    const keys = new IntBuf(1 << 14);
    const vals = new IntBuf(1 << 14);
    each((strId, pos) => {
      keys.push(this.key(strId));
      vals.push(pos);
    });
    const n = this.form.S.length;
    const start = new Int32Array(n + 1);
    const last = new Int32Array(n).fill(-1);
    const K = keys.a;
    const V = vals.a;
    for (let i = 0; i < keys.n; i++) {
      const k = K[i];
      if (last[k] === V[i]) K[i] = -1;
      else {
        last[k] = V[i];
        start[k + 1]++;
      }
    }
    for (let c = 0; c < n; c++) start[c + 1] += start[c];
    const data = new Int32Array(start[n]);
    const at = start.slice(0, n);
    for (let i = 0; i < keys.n; i++) if (K[i] >= 0) data[at[K[i]]++] = V[i];
    return { start, data };
  }

  private lookup(g: Groups, s: string): Int32Array {
    const c = this.find(s);
    return c < 0 ? NONE : g.data.subarray(g.start[c], g.start[c + 1]);
  }

  /** Pairs for the dependency list at `field` of every package. */
  private depPairs(field: number, add: (strId: number, pos: number) => void): void {
    const { I, nPkg, pkgBase, refBase } = this.form;
    for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS) {
      const start = refBase + I[o + field];
      for (let k = 0, n = I[o + field + 1]; k < n; k++) add(I[3 + I[start + k] * DEP_INTS], i);
    }
  }

  byName(name: string): Int32Array {
    this.names ??= this.group((add) => {
      const { I, nPkg, pkgBase } = this.form;
      for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS) add(I[o], i);
    });
    return this.lookup(this.names, name);
  }

  byProvide(name: string): Int32Array {
    this.provides ??= this.group((add) => {
      const { I, nPkg, pkgBase, refBase } = this.form;
      for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS) {
        add(I[o], i);
        const start = refBase + I[o + PROVIDES];
        for (let k = 0, n = I[o + PROVIDES + 1]; k < n; k++) add(I[3 + I[start + k] * DEP_INTS], i);
      }
    });
    return this.lookup(this.provides, name);
  }

  byObsolete(name: string): Int32Array {
    this.obsoletes ??= this.group((add) => this.depPairs(OBSOLETES, add));
    return this.lookup(this.obsoletes, name);
  }

  byFile(path: string): Int32Array {
    this.files ??= this.group((add) => {
      const { I, nPkg, pkgBase, refBase } = this.form;
      for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS) {
        const start = refBase + I[o + FILES];
        for (let k = 0, n = I[o + FILES + 1]; k < n; k++) add(I[start + k], i);
      }
    });
    return this.lookup(this.files, path);
  }

  /** Names of the file dependencies (requires ... obsoletes) of its packages. */
  fileDeps(out: Set<string>): void {
    const { I, nPkg, pkgBase, refBase } = this.form;
    const seen = new Uint8Array(this.form.nDep);
    for (let o = pkgBase, i = 0; i < nPkg; i++, o += PKG_INTS) {
      for (let f = PROVIDES + 2; f < PROVIDES + 16; f += 2) {
        const start = refBase + I[o + f];
        for (let k = 0, n = I[o + f + 1]; k < n; k++) {
          const d = I[start + k];
          if (seen[d]) continue;
          seen[d] = 1;
          const name = this.form.depName(d);
          if (name.charCodeAt(0) === 47 /* / */) out.add(name);
        }
      }
    }
  }
}

/** A repo's packages from one or more forms (primary.xml parsed in pieces: one per piece). */
export class PackageStore implements PackageIndex {
  readonly packages: RepoPackage[];
  private readonly parts: { index: FormIndex; offset: number }[] = [];
  readonly supplementing: ArrayLike<number>;
  readonly weak: ArrayLike<number>;

  constructor(forms: Unpacked[], repo: string) {
    const packages: RepoPackage[] = [];
    for (const u of forms) {
      if (u.kind === 'package-parts') {
        for (const p of u.parts) this.add(new Form(p), repo, packages);
      } else this.add(new Form(u), repo, packages);
    }
    this.packages = packages;
    this.supplementing = this.concat((ix) => ix.supplementing);
    this.weak = this.concat((ix) => ix.weak);
  }

  private add(form: Form, repo: string, packages: RepoPackage[]): void {
    this.parts.push({ index: new FormIndex(form), offset: packages.length });
    for (let i = 0; i < form.nPkg; i++) packages.push(new StoredPackage(form, i, repo));
  }

  private concat(get: (ix: FormIndex) => Int32Array): ArrayLike<number> {
    if (this.parts.length === 1) return get(this.parts[0].index);
    const lists = this.parts.map((p) => get(p.index));
    const out = new Int32Array(lists.reduce((n, l) => n + l.length, 0));
    let k = 0;
    this.parts.forEach((p, i) => {
      for (const v of lists[i]) out[k++] = v + p.offset;
    });
    return out;
  }

  byName(name: string): ArrayLike<number> {
    return this.concat((ix) => ix.byName(name));
  }
  byProvide(name: string): ArrayLike<number> {
    return this.concat((ix) => ix.byProvide(name));
  }
  byObsolete(name: string): ArrayLike<number> {
    return this.concat((ix) => ix.byObsolete(name));
  }
  byFile(path: string): ArrayLike<number> {
    return this.concat((ix) => ix.byFile(path));
  }

  /** Names of the file dependencies its packages state (requires ... obsoletes, not provides). */
  fileDeps(): Set<string> {
    const out = new Set<string>();
    for (const p of this.parts) p.index.fileDeps(out);
    return out;
  }
}

/** The packages of one form (decoded lazily, see PackageStore). */
export function decodePackages(u: Unpacked, repo: string): RepoPackage[] {
  return new PackageStore([u], repo).packages;
}

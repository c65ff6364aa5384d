// Packages read from the parse cache's form (packages-codec.ts) lazily, plus the per-repo
// lookups the resolver needs (by name, provide, obsolete, primary file: store-index.ts).
//
// A resolve touches a few hundred or thousand of a repo's packages (CS9 AppStream: 17,649),
// but making every package's eight dependency lists and ~150k Dep objects up front, and
// then indexing every provide by its text in Maps, was most of a resolve on cached metadata
// (and most of its garbage). Here a package object holds its scalar fields; its dependency
// and file lists are made on first use, from shared Dep objects also made on first use.
// The lookups are built once, when primary.xml is parsed, and kept in its cache file.
import type { Dep, PackageIndex, RepoPackage, Sense } from '../model/package.js';
import { IntBuf, packPackageParts, type Strings, type Unpacked } from './packages-codec.js';
import { buildKeyIndex, DEP_INTS, FILES, KeyIndex, Kind, PKG_INTS, PROVIDES, type FormInts } from './store-index.js';

const SENSES: (Sense | undefined)[] = [undefined, 'EQ', 'LT', 'LE', 'GT', 'GE'];
const SUPPLEMENTS = PROVIDES + 2 * 6;
const ENHANCES = PROVIDES + 2 * 7;

// Most packages have no conflicts, obsoletes, weak deps or files in primary: one shared,
// frozen empty list for all of them (frozen: a push throws instead of changing them all).
const NO_DEPS = Object.freeze([]) as unknown as Dep[];
const NO_FILES = Object.freeze([]) as unknown as string[];

/** One 'packages' form: its tables and the Dep objects made from it so far. */
class Form implements FormInts {
  readonly S: Strings;
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
    return this.S.at(this.I[3 + id * DEP_INTS]);
  }

  dep(id: number): Dep {
    return (this.deps[id] ??= this.makeDep(id));
  }

  private makeDep(id: number): Dep {
    const { S, I } = this;
    const o = 3 + id * DEP_INTS;
    const sense = SENSES[I[o + 1]];
    const name = S.at(I[o]);
    if (sense === undefined) return I[o + 5] ? { name, pre: true } : { name };
    const evr = I[o + 4] < 0 ? { epoch: I[o + 2], version: S.at(I[o + 3]) } : { epoch: I[o + 2], version: S.at(I[o + 3]), release: S.at(I[o + 4]) };
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
    for (let k = 0; k < count; k++) out[k] = this.S.at(this.I[start + k]);
    return out;
  }
}

/**
 * A RepoPackage over a Form: NEVRA, repo and sizes are plain properties; the checksum,
 * locations, source rpm and the file and dependency lists are accessors that make them on
 * first use (lists are kept). The lists are shared
 * data: treat them as read-only, as with any parsed package.
 */
class StoredPackage implements RepoPackage {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  repo: string;
  sizePackage: number;
  sizeInstalled: number;
  buildtime: number | undefined;
  readonly #form: Form;
  readonly #at: number;
  #lists: Dep[][] | undefined;
  #files: string[] | undefined;

  constructor(form: Form, i: number, repo: string) {
    const { S, I, F } = form;
    const o = form.pkgBase + i * PKG_INTS;
    this.name = S.at(I[o]);
    this.epoch = I[o + 4];
    this.version = S.at(I[o + 2]);
    this.release = S.at(I[o + 3]);
    this.arch = S.at(I[o + 1]);
    this.repo = repo;
    this.sizePackage = F[i * 3];
    this.sizeInstalled = F[i * 3 + 1];
    const bt = F[i * 3 + 2];
    this.buildtime = Number.isNaN(bt) ? undefined : bt;
    this.#form = form;
    this.#at = o;
  }

  #list(k: number): Dep[] {
    const lists = (this.#lists ??= new Array<Dep[]>(8));
    return (lists[k] ??= this.#form.list(this.#at, PROVIDES + 2 * k));
  }

  // Strings a resolve reads only for the packages it picks (all distinct: decoding them for
  // every package was most of making the packages).
  get checksum(): string {
    return this.#form.S.at(this.#form.I[this.#at + 5]);
  }
  get location(): string {
    return this.#form.S.at(this.#form.I[this.#at + 6]);
  }
  get locationBase(): string | undefined {
    const id = this.#form.I[this.#at + 7];
    return id < 0 ? undefined : this.#form.S.at(id);
  }
  get sourcerpm(): string | undefined {
    const id = this.#form.I[this.#at + 8];
    return id < 0 ? undefined : this.#form.S.at(id);
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

/**
 * A repo's packages from its parsed form: one form, or several (primary.xml parsed in
 * pieces), with the lookup index when the cache file holds one (built otherwise).
 */
export class PackageStore implements PackageIndex {
  readonly packages: RepoPackage[] = [];
  private readonly forms: Form[] = [];
  readonly index: KeyIndex;
  readonly supplementing: Int32Array;
  readonly weak: Int32Array;

  constructor(units: Unpacked[], repo: string) {
    let index: KeyIndex | undefined;
    const add = (u: Unpacked) => {
      if (u.kind === 'package-parts') u.parts.forEach(add);
      else if (u.kind === 'package-index') index = KeyIndex.decode(u);
      else {
        const form = new Form(u);
        this.forms.push(form);
        for (let i = 0; i < form.nPkg; i++) this.packages.push(new StoredPackage(form, i, repo));
      }
    };
    units.forEach(add);
    this.index = index ?? buildKeyIndex(this.forms);
    const sup = new IntBuf(256);
    const weak = new IntBuf(256);
    let pos = 0;
    for (const { I, nPkg, pkgBase } of this.forms) {
      for (let i = 0, o = pkgBase; i < nPkg; i++, o += PKG_INTS, pos++) {
        if (I[o + SUPPLEMENTS + 1]) sup.push(pos);
        if (I[o + SUPPLEMENTS + 1] || I[o + ENHANCES + 1]) weak.push(pos);
      }
    }
    this.supplementing = sup.view().slice();
    this.weak = weak.view().slice();
  }

  byName(name: string): Int32Array {
    return this.index.get(Kind.Name, name);
  }
  byProvide(name: string): Int32Array {
    return this.index.get(Kind.Provide, name);
  }
  byObsolete(name: string): Int32Array {
    return this.index.get(Kind.Obsolete, name);
  }
  byFile(path: string): Int32Array {
    return this.index.get(Kind.File, path);
  }

  /** Names of the file dependencies its packages state (requires ... enhances, not provides). */
  fileDeps(): Set<string> {
    const out = new Set<string>();
    for (const form of this.forms) {
      const { I, nPkg, pkgBase, refBase } = form;
      const seen = new Uint8Array(form.nDep);
      for (let o = pkgBase, i = 0; i < nPkg; i++, o += PKG_INTS) {
        for (let f = PROVIDES + 2; f < PROVIDES + 16; f += 2) {
          const start = refBase + I[o + f];
          for (let k = 0, n = I[o + f + 1]; k < n; k++) {
            const d = I[start + k];
            if (seen[d]) continue;
            seen[d] = 1;
            const name = form.depName(d);
            if (name.charCodeAt(0) === 47 /* / */) out.add(name);
          }
        }
      }
    }
    return out;
  }
}

/**
 * The cache file of a primary.xml: its form(s), as encoded buffers (a piece's, or the
 * parser's form packed), and the store's index.
 */
export function encodePrimary(forms: Buffer[], store: PackageStore, meta: unknown): Buffer {
  return packPackageParts([...forms, store.index.encode()], meta);
}

/** The packages of one form (decoded lazily, see PackageStore). */
export function decodePackages(u: Unpacked, repo: string): RepoPackage[] {
  return new PackageStore([u], repo).packages;
}

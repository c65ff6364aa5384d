// filelists.xml: every file of every package. Read at most once per repo, and only when
// a file dependency names a path outside primary's subset. Packages are matched to
// primary's by pkgid (the package checksum), as libsolv does.
//
// Memory: a package's full list is kept as one "\n"-joined string (a few MB of strings
// instead of a million small ones), split only when filesOf() asks. Owners are indexed
// only for the paths that matter — like libsolv's addfileprovides, the file dependencies
// the repo's packages state, plus any path asked for — in one pass, then memoized.
import type { RepoPackage } from '../model/package.js';
import { XmlSyntaxError } from './errors.js';
import type { XmlHandler } from './xml-scanner.js';

/**
 * createrepo_c puts every file matching this into primary.xml (RE_PRIMARY_FILES), so a
 * path matching it is answered from primary without reading filelists.
 */
export const PRIMARY_FILES_RE = /^(.*bin\/.*|\/etc\/.*|\/usr\/lib\/sendmail)$/;

/** Full lists aligned with a repo's packages: "\n"-joined paths, null when absent. */
export type JoinedLists = (string | null)[];

export class FileIndex {
  private readonly owners = new Map<string, RepoPackage[]>();
  private indexed = false;
  private position?: Map<RepoPackage, number>;

  /** `fileDeps`: the file dependencies `packages` state (see PackageStore.fileDeps). */
  constructor(
    private readonly packages: RepoPackage[],
    private readonly lists: JoinedLists,
    private readonly fileDeps: () => Iterable<string>,
  ) {}

  filesOf(pkg: RepoPackage): string[] {
    this.position ??= new Map(this.packages.map((p, i) => [p, i]));
    const i = this.position.get(pkg);
    const joined = i === undefined ? null : this.lists[i];
    return joined === null ? pkg.files.slice() : joined === '' ? [] : joined.split('\n');
  }

  whoOwns(path: string): RepoPackage[] {
    return this.whoOwnsMany([path]).get(path)!;
  }

  /** Owners of each path, reading the lists once for all paths not seen before. */
  whoOwnsMany(paths: Iterable<string>): Map<string, RepoPackage[]> {
    const missing = new Set<string>();
    for (const p of paths) if (!this.owners.has(p)) missing.add(p);
    if (!this.indexed && !this.lists.some((l) => l !== null)) {
      // no lists at all (filelists.xml lists no package of primary's): nobody owns anything
      this.indexed = true;
    }
    if (!this.indexed) {
      // First use: also index every file dependency of this repo's own packages.
      this.indexed = true;
      for (const name of this.fileDeps()) if (!this.owners.has(name)) missing.add(name);
    }
    if (missing.size > 4) this.indexPass(missing);
    else for (const m of missing) this.owners.set(m, this.scanFor(m));
    const out = new Map<string, RepoPackage[]>();
    for (const p of paths) out.set(p, this.owners.get(p)!.slice());
    return out;
  }

  /** One pass over all lists for a set of paths. */
  private indexPass(wanted: Set<string>): void {
    for (const w of wanted) this.owners.set(w, []);
    for (let i = 0; i < this.packages.length; i++) {
      const joined = this.lists[i];
      if (!joined) continue;
      for (const f of joined.split('\n')) if (wanted.has(f)) this.owners.get(f)!.push(this.packages[i]);
    }
  }

  private scanFor(path: string): RepoPackage[] {
    const out: RepoPackage[] = [];
    for (let i = 0; i < this.packages.length; i++) {
      const joined = this.lists[i];
      if (joined && containsLine(joined, path)) out.push(this.packages[i]);
    }
    return out;
  }
}

/** Whether `line` is one of the "\n"-separated lines of `joined`. */
function containsLine(joined: string, line: string): boolean {
  for (let at = joined.indexOf(line); at >= 0; at = joined.indexOf(line, at + 1)) {
    const end = at + line.length;
    if ((at === 0 || joined.charCodeAt(at - 1) === 10) && (end === joined.length || joined.charCodeAt(end) === 10)) return true;
  }
  return false;
}

/** Parses filelists.xml into full lists aligned with `packages`. */
export function filelistsParser(packages: RepoPackage[]): XmlHandler & { lists: JoinedLists } {
  // built on the first <package>: a filelists.xml without any needs none
  let byPkgid: Map<string, number> | undefined;
  const pkgIndex = () => {
    if (byPkgid) return byPkgid;
    byPkgid = new Map();
    for (const [i, p] of packages.entries()) byPkgid.set(p.checksum.slice(p.checksum.indexOf(':') + 1), i);
    return byPkgid;
  };
  const lists: JoinedLists = new Array(packages.length).fill(null);
  let cur: number | undefined;
  let files: string[] | undefined;
  let sawRoot = false;
  return {
    lists,
    open(name, s) {
      if (!sawRoot) {
        sawRoot = true;
        if (name !== 'filelists') throw new XmlSyntaxError(`root element is <${name}>, expected <filelists>`, s.lineAt());
        return;
      }
      if (name === 'package') {
        const pkgid = s.attr('pkgid');
        if (!pkgid) throw new XmlSyntaxError('<package> without pkgid=', s.lineAt());
        // A package filelists knows but primary does not is ignored, as libsolv does.
        cur = pkgIndex().get(pkgid.toLowerCase());
        files = cur !== undefined ? [] : undefined;
        return;
      }
      if (name === 'file') return files !== undefined;
    },
    close(name, text) {
      if (name === 'file' && text !== undefined && files) {
        if (text.indexOf('\n') >= 0) throw new XmlSyntaxError(`file name with a newline in ${packages[cur!].name}`, 0);
        files.push(text);
      } else if (name === 'package' && cur !== undefined && files) {
        // join() makes one flat string: the slices (and the chunks they point into) go.
        lists[cur] = files.join('\n');
        cur = undefined;
        files = undefined;
      }
    },
  };
}

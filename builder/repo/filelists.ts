// filelists.xml: every file of every package. Read at most once per repo, and only when
// a file dependency names a path outside primary's subset. Packages are matched to
// primary's by pkgid (the package checksum), as libsolv does.
import type { RepoPackage } from '../model/package.js';
import { XmlSyntaxError } from './errors.js';
import { Interner } from './intern.js';
import type { XmlHandler } from './xml-scanner.js';

/**
 * createrepo_c puts every file matching this into primary.xml (RE_PRIMARY_FILES), so a
 * path matching it is answered from primary without reading filelists.
 */
export const PRIMARY_FILES_RE = /^(.*bin\/.*|\/etc\/.*|\/usr\/lib\/sendmail)$/;

export interface FileIndex {
  filesOf: Map<RepoPackage, string[]>;
  owners: Map<string, RepoPackage | RepoPackage[]>;
}

export function addOwner(owners: Map<string, RepoPackage | RepoPackage[]>, path: string, pkg: RepoPackage): void {
  const cur = owners.get(path);
  if (cur === undefined) owners.set(path, pkg);
  else if (Array.isArray(cur)) {
    if (!cur.includes(pkg)) cur.push(pkg);
  } else if (cur !== pkg) owners.set(path, [cur, pkg]);
}

export function ownersOf(owners: Map<string, RepoPackage | RepoPackage[]>, path: string): RepoPackage[] {
  const cur = owners.get(path);
  return cur === undefined ? [] : Array.isArray(cur) ? cur.slice() : [cur];
}

/** Index primary's file subset (enough for paths matching PRIMARY_FILES_RE). */
export function primaryFileIndex(packages: RepoPackage[]): Map<string, RepoPackage | RepoPackage[]> {
  const owners = new Map<string, RepoPackage | RepoPackage[]>();
  for (const p of packages) for (const f of p.files) addOwner(owners, f, p);
  return owners;
}

/** The lookup index from full lists aligned with `packages` (null: not in filelists). */
export function fileIndexFrom(packages: RepoPackage[], lists: (string[] | null)[]): FileIndex {
  const index: FileIndex = { filesOf: new Map(), owners: new Map() };
  for (let i = 0; i < packages.length; i++) {
    const files = lists[i];
    if (!files) continue;
    index.filesOf.set(packages[i], files);
    for (const f of files) addOwner(index.owners, f, packages[i]);
  }
  return index;
}

/** Parses filelists.xml into full file lists aligned with `packages`. */
export function filelistsParser(packages: RepoPackage[], intern = new Interner()): XmlHandler & { lists: (string[] | null)[] } {
  const byPkgid = new Map<string, number>();
  for (const [i, p] of packages.entries()) byPkgid.set(p.checksum.slice(p.checksum.indexOf(':') + 1), i);
  const lists: (string[] | null)[] = new Array(packages.length).fill(null);
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
        cur = byPkgid.get(pkgid.toLowerCase());
        files = cur !== undefined ? [] : undefined;
        return;
      }
      if (name === 'file') return files !== undefined;
    },
    close(name, text) {
      if (name === 'file' && text !== undefined && files) {
        files.push(intern.str(text));
      } else if (name === 'package' && cur !== undefined && files) {
        lists[cur] = files;
        cur = undefined;
        files = undefined;
      }
    },
  };
}

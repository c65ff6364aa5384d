// A PackageIndex made from plain package objects, for repos whose packages did not come
// with one (the repo stage's loadRepo provides its own, built from its parsed form).
import type { PackageIndex, RepoPackage } from '../model/package.js';

/** A key's positions: one position (most names) or an ascending, duplicate-free list. */
type Positions = number | number[];

function add(m: Map<string, Positions>, k: string, i: number): void {
  const v = m.get(k);
  if (v === undefined) m.set(k, i);
  else if (typeof v === 'number') {
    if (v !== i) m.set(k, [v, i]);
  } else if (v[v.length - 1] !== i) v.push(i);
}

function list(v: Positions | undefined): number[] {
  return v === undefined ? [] : typeof v === 'number' ? [v] : v;
}

export function indexPackages(packages: readonly RepoPackage[]): PackageIndex {
  const names = new Map<string, Positions>();
  const provides = new Map<string, Positions>();
  const obsoletes = new Map<string, Positions>();
  let files: Map<string, Positions> | undefined;
  const supplementing: number[] = [];
  const weak: number[] = [];
  packages.forEach((p, i) => {
    add(names, p.name, i);
    add(provides, p.name, i);
    for (const d of p.provides) add(provides, d.name, i);
    for (const d of p.obsoletes) add(obsoletes, d.name, i);
    if (p.supplements.length) supplementing.push(i);
    if (p.supplements.length || p.enhances.length) weak.push(i);
  });
  return {
    byName: (name) => list(names.get(name)),
    byProvide: (name) => list(provides.get(name)),
    byObsolete: (name) => list(obsoletes.get(name)),
    byFile(path) {
      if (!files) {
        files = new Map();
        packages.forEach((p, i) => p.files.forEach((f) => add(files!, f, i)));
      }
      return list(files.get(path));
    },
    supplementing,
    weak,
  };
}

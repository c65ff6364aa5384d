// Test repositories made of packages from vzbuild's RPM writer, indexed by the real
// createrepo_c: what the fetch, resolve and assemble tests install from. Packages land in
// DIR/Packages/<nevra>.rpm; repodata in DIR/repodata.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { nevraString, writeRpm, type RpmDescription, type WrittenRpm } from '../../builder/rpm/writer.js';

export type { RpmDescription, WrittenRpm } from '../../builder/rpm/writer.js';

export interface BuiltRepo {
  dir: string;
  packages: WrittenRpm[];
}

/** The file name createrepo/dnf conventions expect: name-version-release.arch.rpm (no epoch). */
export function rpmFileName(d: RpmDescription): string {
  return `${d.name}-${d.version}-${d.release}.${d.arch ?? 'noarch'}.rpm`;
}

/** Write packages (concurrently, a few at a time) into dir/Packages. */
export async function buildPackages(dir: string, descs: readonly RpmDescription[]): Promise<WrittenRpm[]> {
  const pkgDir = join(dir, 'Packages');
  mkdirSync(pkgDir, { recursive: true });
  const out: WrittenRpm[] = new Array(descs.length);
  let next = 0;
  const worker = async () => {
    while (next < descs.length) {
      const i = next++;
      out[i] = await writeRpm(descs[i], join(pkgDir, rpmFileName(descs[i])));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** Packages plus repodata from the real createrepo_c (sha256 checksums, no sqlite). */
export async function buildRepo(dir: string, descs: readonly RpmDescription[], opts: { createrepoArgs?: string[] } = {}): Promise<BuiltRepo> {
  const packages = await buildPackages(dir, descs);
  execFileSync('createrepo_c', ['--quiet', '--no-database', '--checksum', 'sha256', ...(opts.createrepoArgs ?? []), dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { dir, packages };
}

export { nevraString };

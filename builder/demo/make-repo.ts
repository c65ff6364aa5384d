// Write the demo distribution's RPMs and index them with createrepo_c (a real peer: the
// same tool distros use), into a fresh directory that replaces the old one atomically.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../kernel/exec.js';
import { writeRpm, type WrittenRpm } from '../rpm/writer.js';
import { demoPackages } from './example-repo.js';

export interface DemoRepo {
  dir: string;
  packages: WrittenRpm[];
}

export async function makeDemoRepo(dir: string, opts: { busybox?: string } = {}): Promise<DemoRepo> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'Packages'), { recursive: true });
  const packages: WrittenRpm[] = [];
  for (const d of await demoPackages(opts.busybox)) {
    const file = `${d.name}-${d.version}-${d.release}.${d.arch ?? 'noarch'}.rpm`;
    packages.push(await writeRpm(d, join(tmp, 'Packages', file)));
  }
  await exec(['createrepo_c', '--quiet', '--no-database', '--checksum', 'sha256', tmp]);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, packages: packages.map((p) => ({ ...p, path: p.path.replace(tmp, dir) })) };
}

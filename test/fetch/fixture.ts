// Test repos for the fetch stage: a subset of the RHEL 6 @core stub repo (real RPMs built by
// rpmbuild) re-indexed with createrepo_c, and a lockfile made from its primary.xml.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Lockfile, LockedPackage } from '../../builder/model/lockfile.js';
import { rhel6CoreStubRepo } from '../helpers/stub-repo.js';

/** Make a repo of `count` packages of the stub repo in `dir` (hard links + createrepo_c). */
export function makeRepo(dir: string, count: number, checksum: 'sha256' | 'sha1' | 'sha512' = 'sha256'): string {
  const src = join(rhel6CoreStubRepo(), 'Packages');
  const names = readdirSync(src).filter((n) => n.endsWith('.rpm')).sort().slice(0, count);
  mkdirSync(join(dir, 'Packages'), { recursive: true });
  for (const n of names) linkSync(join(src, n), join(dir, 'Packages', n));
  execFileSync('createrepo_c', ['--quiet', '--no-database', '--checksum', checksum, dir]);
  return dir;
}

/** A lockfile listing every package of a createrepo_c repo (as resolve would write it). */
export function lockFromRepo(dir: string, url: string, repoId = 'test'): Lockfile {
  const repodata = join(dir, 'repodata');
  const primary = readdirSync(repodata).find((n) => n.endsWith('primary.xml.gz'));
  if (!primary) throw new Error(`no primary.xml.gz in ${repodata}`);
  const xml = gunzipSync(readFileSync(join(repodata, primary))).toString('utf8');
  const packages: LockedPackage[] = [];
  for (const block of xml.split('<package type="rpm">').slice(1)) {
    const get = (re: RegExp) => {
      const m = re.exec(block);
      if (!m) throw new Error(`primary.xml: ${re} not found`);
      return m;
    };
    const v = get(/<version epoch="(\d+)" ver="([^"]+)" rel="([^"]+)"/);
    const c = get(/<checksum type="([^"]+)" pkgid="YES">([0-9a-f]+)</);
    packages.push({
      name: get(/<name>([^<]+)</)[1],
      epoch: Number(v[1]),
      version: v[2],
      release: v[3],
      arch: get(/<arch>([^<]+)</)[1],
      repo: repoId,
      location: get(/<location href="([^"]+)"/)[1],
      checksum: `${c[1] === 'sha' ? 'sha1' : c[1]}:${c[2]}`,
      size: Number(get(/<size package="(\d+)"/)[1]),
    });
  }
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: 1, recipe: 'test', distro: { id: 'rhel', release: '6', arch: 'x86_64' }, repos: [{ id: repoId, url, repomd: 'sha256:' + '0'.repeat(64) }], packages };
}

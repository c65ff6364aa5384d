// Lockfile IO: strict schema, canonical order, atomic write, order-independent digest.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../builder/errors.js';
import { lockDigest, readLockfile, writeLockfile } from '../../builder/lockfile/index.js';
import type { Lockfile } from '../../builder/model/lockfile.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir('vzbuild-lock-');
afterAll(dir.cleanup);

const pkg = (name: string, version: string, release: string, arch = 'x86_64', epoch = 0) => ({
  name,
  epoch,
  version,
  release,
  arch,
  repo: 'baseos',
  location: `Packages/${name}-${version}-${release}.${arch}.rpm`,
  checksum: `sha256:${'ab'.repeat(32)}`,
  size: 1234,
});

const lock: Lockfile = {
  version: 1,
  recipe: 'centos-stream-9-minimal',
  distro: { id: 'centos-stream', release: '9', arch: 'x86_64' },
  repos: [
    { id: 'baseos', url: 'https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/', repomd: `sha256:${'01'.repeat(32)}` },
    { id: 'appstream', url: 'https://mirror.stream.centos.org/9-stream/AppStream/x86_64/os/', repomd: `sha256:${'02'.repeat(32)}` },
  ],
  packages: [pkg('zlib', '1.2.11', '40.el9'), pkg('glibc', '2.34', '100.el9', 'i686'), pkg('glibc', '2.34', '100.el9'), pkg('bash', '5.1.8', '9.el9'), pkg('kernel', '5.14.0', '10.el9'), pkg('kernel', '5.14.0', '9.el9')],
};

describe('lockfile', () => {
  it('writes sorted, canonical JSON atomically and reads it back', async () => {
    const path = join(dir.path, 'a.lock.json');
    const digest = await writeLockfile(path, lock);
    const text = readFileSync(path, 'utf8');
    const back = await readLockfile(path);
    expect(back.repos.map((r) => r.id)).toEqual(['appstream', 'baseos']);
    expect(back.packages.map((p) => `${p.name}-${p.version}-${p.release}.${p.arch}`)).toEqual([
      'bash-5.1.8-9.el9.x86_64',
      'glibc-2.34-100.el9.i686',
      'glibc-2.34-100.el9.x86_64',
      'kernel-5.14.0-9.el9.x86_64',
      'kernel-5.14.0-10.el9.x86_64',
      'zlib-1.2.11-40.el9.x86_64',
    ]);
    expect(Object.keys(JSON.parse(text))).toEqual(['version', 'recipe', 'distro', 'repos', 'packages']);
    expect(Object.keys(back.packages[0])).toEqual(['name', 'epoch', 'version', 'release', 'arch', 'repo', 'location', 'checksum', 'size']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(digest).toBe(lockDigest(back));
    expect(readdirSync(dir.path).filter((f) => f.includes('.tmp'))).toEqual([]);
    // Input order does not matter: the digest is of the canonical form.
    const shuffled = { ...lock, packages: [...lock.packages].reverse(), repos: [...lock.repos].reverse() };
    expect(lockDigest(shuffled)).toBe(digest);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Re-writing an identical lock gives identical bytes.
    await writeLockfile(path, shuffled);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('refuses unknown keys, bad checksums, duplicates and dangling repo ids, listing them all', async () => {
    const bad = JSON.parse(JSON.stringify(lock));
    bad.packages[0].sha = 'x';
    bad.packages[1].checksum = 'deadbeef';
    bad.extra = true;
    const path = join(dir.path, 'bad.lock.json');
    writeFileSync(path, JSON.stringify(bad));
    const err = await readLockfile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems).toEqual([
      '(top level): unknown key "extra"',
      'packages[0]: unknown key "sha"',
      'packages[1].checksum: must match pattern "^(sha1|sha224|sha256|sha384|sha512|md5):[0-9a-f]+$"',
    ]);
    const dup = { ...lock, packages: [...lock.packages, { ...lock.packages[0], repo: 'nowhere' }, { ...lock.packages[0], location: '../../etc/passwd' }] };
    await expect(writeLockfile(join(dir.path, 'dup.lock.json'), dup)).rejects.toMatchObject({
      problems: [
        'packages[6]: zlib-1.2.11-40.el9.x86_64 is listed twice',
        'packages[6]: zlib-1.2.11-40.el9.x86_64 names repo "nowhere", which the lock does not list',
        'packages[7]: zlib-1.2.11-40.el9.x86_64 is listed twice',
        'packages[7]: zlib-1.2.11-40.el9.x86_64: location "../../etc/passwd" must be relative and stay inside the repo',
      ],
    });
    expect(readdirSync(dir.path)).not.toContain('dup.lock.json');
    await expect(readLockfile(join(dir.path, 'none.json'))).rejects.toMatchObject({ code: 'E_LOCK_NOT_FOUND' });
  });
});

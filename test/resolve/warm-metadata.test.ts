// A new request on cached metadata (the recipe changed, the repos did not): the resolve
// runs on the parse cache's packages, lookup index and kept file owners, and must give
// exactly the answer of a resolve from scratch, and dnf's.
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readLockfile } from '../../builder/lockfile/index.js';
import { BIN, tempDir, tools } from '../helpers/env.js';
import { CS9_APPSTREAM } from '../helpers/stub-repo.js';
import { dnfBatch } from './helpers/oracle.js';

const run = promisify(execFile);

describe.skipIf(!tools('dnf'))('resolve on cached metadata', () => {
  const tmp = tempDir('vzbuild-warm-metadata-');
  afterAll(() => tmp.cleanup());

  const recipe = (name: string, packages: string[]) => {
    const file = join(tmp.path, `${name}.yaml`);
    writeFileSync(file, ['name: cs9', 'distro: { id: centos-stream, release: "9", arch: x86_64 }', 'repos:', '  - id: appstream', `    baseurl: file://${CS9_APPSTREAM}`, '    gpgcheck: false', `packages: ${JSON.stringify(packages)}`, ''].join('\n'));
    return file;
  };
  const resolve = async (cache: string, file: string) => {
    const out = join(tmp.path, 'out.lock');
    const { stderr } = await run(BIN, ['--cache-dir', cache, 'resolve', file, '-o', out], { env: { ...process.env, VZBUILD_DEBUG: '1' }, maxBuffer: 64 << 20 });
    const lock = await readLockfile(out);
    return { stderr, pkgs: lock.packages.map((p) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`).sort() };
  };

  it('a new request gives the answer of a resolve from scratch, with the file owners kept from the first (CS9 AppStream)', async () => {
    const cache = join(tmp.path, 'cache');
    // langpacks-ja reaches a file dependency beyond primary's subset: filelists are read
    const first = await resolve(cache, recipe('first', ['langpacks-ja']));
    expect(first.stderr).toMatch(/read file lists for \d+ file dependencies/);
    const files = readdirSync(join(cache, 'metadata', readdirSync(join(cache, 'metadata')).find((d) => d.startsWith('repo-v'))!));
    expect(files.map((f) => f.split('-')[0]).sort()).toEqual(['comps', 'filelists', 'fileowners', 'modules', 'primary']);

    const request = ['langpacks-ja', 'qt5-doc', 'tzdata-java'];
    const warm = await resolve(cache, recipe('second', request));
    // no cached answer for it; its file dependencies were known before solving
    expect(warm.stderr).not.toMatch(/reusing the answer/);
    expect(warm.stderr).not.toMatch(/read file lists/);
    const fresh = await resolve(join(tmp.path, 'fresh'), recipe('second', request));
    expect(fresh.stderr).toMatch(/read file lists/);
    expect(warm.pkgs).toEqual(fresh.pkgs);
    const want = dnfBatch({ repos: { appstream: CS9_APPSTREAM }, releasever: '9', weak: true, module_platform_id: 'platform:el9', requests: [request] })[0];
    expect(want.ok && want.pkgs).toEqual(warm.pkgs);
    rmSync(join(tmp.path, 'fresh'), { recursive: true, force: true });
  });
});

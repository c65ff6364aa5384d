// The resolve pipeline step and CLI on a real repo: a recipe → a lockfile identical to
// dnf's answer, pins from a partial lock, clear errors.
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { readLockfile } from '../../builder/lockfile/index.js';
import { RESOLVE_CACHE_VERSION, resolveRecipe } from '../../builder/pipeline/resolve.js';
import { loadRecipe } from '../../builder/recipe/index.js';
import { resolveSettings } from '../../builder/settings.js';
import { BIN, REPO_ROOT, tempDir, tools } from '../helpers/env.js';
import { CS9_APPSTREAM, RHEL6 } from '../helpers/stub-repo.js';
import { genRepo } from './helpers/gen-repo.js';
import { dnfBatch } from './helpers/oracle.js';

const run = promisify(execFile);

describe.skipIf(!tools('dnf', 'rpmbuild', 'createrepo_c'))('vzbuild resolve', () => {
  const tmp = tempDir('vzbuild-resolve-');
  let recipeFile: string;
  beforeAll(() => {
    recipeFile = join(tmp.path, 'rhel6.yaml');
    writeFileSync(recipeFile, ['name: rhel6-core', 'distro: { id: rhel, release: "6", arch: x86_64 }', 'repos:', `  - id: server`, `    baseurl: file://${RHEL6}`, '    gpgcheck: false', 'packages: ["@core", openssh-server]', 'exclude: ["postfix"]', ''].join('\n'));
  });
  afterAll(() => tmp.cleanup());

  it('writes a lockfile with exactly dnf\'s packages', async () => {
    const lockFile = join(tmp.path, 'core.lock');
    const { stdout } = await run(BIN, ['--cache-dir', join(tmp.path, 'cache'), 'resolve', recipeFile, '-o', lockFile], { maxBuffer: 64 << 20 });
    expect(stdout).toMatch(/rhel6-core: \d+ packages, [\d.]+ MiB to download/);
    const lock = await readLockfile(lockFile);
    const want = dnfBatch({ repos: { r: RHEL6 }, releasever: '6', weak: true, exclude: ['postfix'], requests: [['openssh-server', '@core']] })[0];
    expect(want.ok).toBe(true);
    const got = lock.packages.map((p) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`).sort();
    expect(got).toEqual(want.ok ? want.pkgs : []);
    expect(lock.repos).toEqual([{ id: 'server', url: `file://${RHEL6}`, repomd: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    const bash = lock.packages.find((p) => p.name === 'bash')!;
    expect(bash).toMatchObject({ repo: 'server', location: 'bash-4.1.2-9.el6_2.x86_64.rpm', checksum: expect.stringMatching(/^sha1:[0-9a-f]{40}$/) });
    expect(bash.size).toBeGreaterThan(0);
    // --json prints the same lock
    const json = await run(BIN, ['--json', '--cache-dir', join(tmp.path, 'cache'), 'resolve', recipeFile], { maxBuffer: 64 << 20 });
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(readFileSync(lockFile, 'utf8')));
    // that second run reused the cached answer (same repomd checksums, same request)
    expect(readdirSync(join(tmp.path, 'cache', 'metadata', `resolve-v${RESOLVE_CACHE_VERSION}`)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('honours pinned packages from a partial lock', async () => {
    const dir = genRepo([{ name: 'lib', version: '1.0' }, { name: 'lib', version: '2.0' }, { name: 'app', requires: ['lib'] }]);
    const file = join(tmp.path, 'gen.yaml');
    writeFileSync(file, ['name: gen', 'distro: { id: fedora, release: "41", arch: x86_64 }', 'repos:', '  - id: gen', `    baseurl: file://${dir}`, '    gpgcheck: false', 'packages: [app]', ''].join('\n'));
    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, 'cache') }, {}) });
    const recipe = await loadRecipe(file, ctx);
    const free = await resolveRecipe(recipe, ctx);
    expect(free.lock.packages.map((p) => `${p.name}-${p.version}`)).toEqual(['app-1.0', 'lib-2.0']);
    const pin = { ...free.lock, packages: [{ ...free.lock.packages[1], version: '1.0', location: free.lock.packages[1].location.replace('2.0', '1.0') }] };
    const pinned = await resolveRecipe(recipe, ctx, { lock: pin });
    expect(pinned.lock.packages.map((p) => `${p.name}-${p.version}`)).toEqual(['app-1.0', 'lib-1.0']);
  });

  it('dnf\'s best as the distro\'s dnf.conf sets it: EL fails on a broken newest version, Fedora takes the older one', async () => {
    const dir = genRepo([{ name: 'tool', version: '2.0', requires: ['tool-missing-dep'] }, { name: 'tool', version: '1.0' }]);
    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, 'cache') }, {}) });
    const recipeFor = async (id: string, release: string) => {
      const file = join(tmp.path, `best-${id}.yaml`);
      writeFileSync(file, ['name: best', `distro: { id: ${id}, release: "${release}", arch: x86_64 }`, 'repos:', '  - id: gen', `    baseurl: file://${dir}`, '    gpgcheck: false', 'packages: [tool]', ''].join('\n'));
      return loadRecipe(file, ctx);
    };
    const el = await resolveRecipe(await recipeFor('rhel', '9'), ctx).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(el?.code).toBe('E_UNSOLVABLE');
    expect(el?.message).toContain('nothing provides tool-missing-dep needed by tool-2.0-1.noarch');
    const fedora = await resolveRecipe(await recipeFor('fedora', '41'), ctx);
    expect(fedora.lock.packages.map((p) => `${p.name}-${p.version}`)).toEqual(['tool-1.0']);
    // A recipe's `best:` overrides the distro's default, both ways (and is part of the cached answer's key).
    const override = async (id: string, release: string, best: boolean) => {
      const r = await recipeFor(id, release);
      writeFileSync(r.file, readFileSync(r.file, 'utf8') + `best: ${best}\n`);
      return loadRecipe(r.file, ctx);
    };
    const elNoBest = await override('rhel', '9', false);
    expect(elNoBest.best).toBe(false);
    expect((await resolveRecipe(elNoBest, ctx)).lock.packages.map((p) => `${p.name}-${p.version}`)).toEqual(['tool-1.0']);
    const fedoraBest = await override('fedora', '41', true);
    expect((await resolveRecipe(fedoraBest, ctx).then(() => undefined, (e: Error & { code?: string }) => e))?.code).toBe('E_UNSOLVABLE');
    // dnf agrees on both
    const [best, nobest] = [true, false].map((b) => dnfBatch({ repos: { gen: dir }, weak: true, best: b, requests: [['tool']] })[0]);
    expect(best.ok).toBe(false);
    expect(nobest.ok && nobest.pkgs).toEqual(['tool-0:1.0-1.noarch']);
  });

  it('fails with the chain when the request cannot be met', async () => {
    const bad = join(tmp.path, 'bad.yaml');
    writeFileSync(bad, readFileSync(recipeFile, 'utf8').replace('openssh-server', 'no-such-package'));
    const err = await run(BIN, ['--cache-dir', join(tmp.path, 'cache'), 'resolve', bad]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('E_NO_MATCH: No match for argument: no-such-package');
  });

  it('module platform: from the distro or modules.platform_id, as dnf\'s module_platform_id', async () => {
    // maven:3.8 in CS9 AppStream requires platform:[el9]. dnf: enabling it under
    // platform:el8 fails; under platform:el9 the modular maven is what gets picked.
    const dnf = (platform: string) => {
      const input = JSON.stringify({ repos: { a: CS9_APPSTREAM }, weak: false, enable_modules: ['maven:3.8'], module_platform_id: platform, requests: [['maven-openjdk17']] });
      try {
        return execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'resolve', 'helpers', 'dnf-batch.py')], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
      } catch (e) {
        return String((e as { stderr: string }).stderr);
      }
    };
    const el8 = dnf('platform:el8');
    expect(el8).toContain('nothing provides module(platform:el9) needed by module maven:3.8');
    const el9 = JSON.parse(dnf('platform:el9'))[0];
    expect(el9.error).toContain('maven-openjdk17-1:3.8.5-6.module_el9+923+016ca152.noarch');

    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, 'cache') }, {}) });
    const recipeFor = async (distro: string, platform?: string) => {
      const file = join(tmp.path, `maven-${distro.replace(/\W/g, '')}-${platform ?? 'default'}.yaml`);
      const mods = `modules: { enable: ["maven:3.8"]${platform ? `, platform_id: "${platform}"` : ''} }`;
      writeFileSync(file, ['name: maven', `distro: ${distro}`, 'repos:', '  - id: a', `    baseurl: file://${CS9_APPSTREAM}`, '    gpgcheck: false', 'packages: [maven-openjdk17]', 'weak_deps: false', mods, ''].join('\n'));
      return loadRecipe(file, ctx);
    };
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: Error & { code?: string }) => e);
    // EL 9 by default, like dnf on an EL 9 system: the module is active, its maven chosen
    const def = await failure(resolveRecipe(await recipeFor('{ id: centos-stream, release: "9", arch: x86_64 }'), ctx));
    expect(def?.code).toBe('E_UNSOLVABLE');
    expect(def?.message).toContain('maven-openjdk17-1:3.8.5-6.module_el9+923+016ca152.noarch');
    // an explicit platform_id wins over the distro's
    for (const [distro, platform] of [['{ id: centos-stream, release: "9", arch: x86_64 }', 'platform:el8'], ['{ id: fedora, release: "41", arch: x86_64 }', undefined]] as const) {
      const err = await failure(resolveRecipe(await recipeFor(distro, platform), ctx));
      expect(err?.code, `${distro} ${platform}`).toBe('E_MODULE');
      expect(err?.message).toMatch(/cannot enable module maven:3\.8: .*platform:(el8|f41) is not one of \[el9\]/);
    }
    // a bad value is a recipe error naming the key
    await expect(recipeFor('{ id: rhel, release: "9", arch: x86_64 }', 'el9')).rejects.toThrow(/modules\.platform_id/);
  });

  it('file dependencies beyond primary.xml: owners from filelists, over as many rounds as new paths appear', async () => {
    // data-provider's own need (more.txt) only shows once data.txt's owner is known
    const dir = genRepo([
      { name: 'file-user', requires: ['/usr/share/vzdata/data.txt'] },
      { name: 'data-provider', files: ['/usr/share/vzdata/data.txt'], requires: ['/usr/share/vzdata/more.txt'] },
      { name: 'more-provider', files: ['/usr/share/vzdata/more.txt'] },
      { name: 'bystander', files: ['/usr/share/vzdata/other.txt'] },
    ]);
    const file = join(tmp.path, 'files.yaml');
    writeFileSync(file, ['name: files', 'distro: { id: rhel, release: "9", arch: x86_64 }', 'repos:', '  - id: gen', `    baseurl: file://${dir}`, '    gpgcheck: false', 'packages: [file-user]', ''].join('\n'));
    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, 'cache') }, {}) });
    const { lock } = await resolveRecipe(await loadRecipe(file, ctx), ctx);
    const want = dnfBatch({ repos: { gen: dir }, weak: true, requests: [['file-user']] })[0];
    expect(want.ok && want.pkgs.map((p) => p.replace(/-0:1\.0-1\.noarch$/, ''))).toEqual(['data-provider', 'file-user', 'more-provider']);
    expect(lock.packages.map((p) => p.name)).toEqual(['data-provider', 'file-user', 'more-provider']);
  });
});

// Every shipped recipe loads, validates and expands; and the loader's layering rules
// (extends, !reset, repos by id, arch overlays, variants) do what the docs say.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { loadRecipe, loadRecipeDetailed } from '../../builder/recipe/index.js';
import { resolveSettings } from '../../builder/settings.js';
import { REPO_ROOT, tempDir } from '../helpers/env.js';

const ctx = makeCtx({ cwd: REPO_ROOT, settings: resolveSettings({}, {}) });
const shipped = readdirSync(join(REPO_ROOT, 'recipes'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'common')
  .map((d) => `recipes/${d.name}/minimal.yaml`);

const PINS: Record<string, string> = {
  'centos-7': '6341AB2753D78A78A7C27BB124C6A8A7F4A80EB5',
  'centos-stream-9': '99DB70FAE1D7CE227FB6488205B555B38483C65D',
  'centos-stream-10': '99DB70FAE1D7CE227FB6488205B555B38483C65D',
  'ubi-8': '567E347AD0044ADE55BA8A5F199E2F91FD431D51',
  'ubi-9': '567E347AD0044ADE55BA8A5F199E2F91FD431D51',
  'rhel-8': '567E347AD0044ADE55BA8A5F199E2F91FD431D51',
  'rhel-9': '567E347AD0044ADE55BA8A5F199E2F91FD431D51',
  'fedora-41': '466CF2D8B60BC3057AA9453ED0622462E99D6AD1',
  'fedora-42': 'B0F4950458F69E1150C6C5EDC8AC4916105EF944',
  'fedora-43': 'C6E7F081CF80E13146676E88829B606631645531',
  'rocky-9': '21CB256AE16FC54C6E652949702D426D350D275D',
  'almalinux-9': 'BF18AC2876178908D6E71267D36CB86CB86B3716',
};

describe('shipped recipes', () => {
  it('covers every distro the project promises', () => {
    expect(shipped.map((f) => f.split('/')[1]).sort()).toEqual(Object.keys(PINS).sort());
  });

  it.each(shipped)('%s loads, validates and pins its distro key', async (file) => {
    const { recipe, warnings } = await loadRecipeDetailed(file, { ...ctx, settings: resolveSettings({ strict: true }, {}) });
    const distro = file.split('/')[1];
    expect(warnings).toEqual([]);
    expect(recipe.name).toBe(`${distro}-minimal`);
    expect(recipe.distro.arch).toBe('x86_64');
    expect(recipe.rpmdb).toBe(/^(centos-7|ubi-8|rhel-8)$/.test(distro) ? 'bdb' : 'sqlite');
    expect(recipe.packages).toContain('bash');
    expect(recipe.exclude).toContain('kernel*');
    expect(recipe.weakDeps).toBe(false);
    expect(recipe.hooks.postInstall[0]).toContain('machine-id');
    for (const repo of recipe.repos) {
      expect(repo.gpgcheck).toBe(true);
      expect(repo.fingerprint).toEqual([PINS[distro]]);
      for (const u of [...repo.baseurl, repo.mirrorlist, repo.metalink, ...repo.gpgkey].filter(Boolean)) {
        expect(u).toMatch(/^https:\/\//);
        expect(u).not.toContain('$');
      }
    }
    expect(recipe.repos.filter((r) => r.enabled).length).toBeGreaterThanOrEqual(distro.startsWith('fedora') ? 2 : 2);
  });

  it('expands $releasever/$basearch and recipe vars per target arch', async () => {
    const r = await loadRecipe('recipes/centos-stream-9/minimal.yaml', ctx, { arch: 'aarch64' });
    expect(r.distro.arch).toBe('aarch64');
    expect(r.repos[0].baseurl).toEqual(['https://mirror.stream.centos.org/9-stream/BaseOS/aarch64/os/']);
    expect(r.repos[0].metalink).toBe('https://mirrors.centos.org/metalink?repo=centos-baseos-9-stream&arch=aarch64&protocol=https,http');
    const f = await loadRecipe('recipes/fedora-42/minimal.yaml', ctx);
    expect(f.repos.map((x) => x.metalink)).toEqual([
      'https://mirrors.fedoraproject.org/metalink?repo=fedora-42&arch=x86_64',
      'https://mirrors.fedoraproject.org/metalink?repo=updates-released-f42&arch=x86_64',
    ]);
    expect(f.repos[0].gpgkey).toEqual(['https://src.fedoraproject.org/rpms/fedora-repos/raw/f42/f/RPM-GPG-KEY-fedora-42-primary']);
  });

  it('keeps subscription repos TLS client settings', async () => {
    const r = await loadRecipe('recipes/rhel-9/minimal.yaml', ctx);
    expect(r.repos[0]).toMatchObject({
      id: 'rhel-9-baseos-rpms',
      baseurl: ['https://cdn.redhat.com/content/dist/rhel9/9/x86_64/baseos/os'],
      sslcacert: '/etc/rhsm/ca/redhat-uep.pem',
      sslclientcert: '/etc/pki/entitlement/0000000000000000000.pem',
      sslclientkey: '/etc/pki/entitlement/0000000000000000000-key.pem',
    });
  });

  it('applies a variant: packages appended, name suffixed', async () => {
    const base = await loadRecipe('recipes/rocky-9/minimal.yaml', ctx);
    const devel = await loadRecipe('recipes/rocky-9/minimal.yaml', ctx, { variant: 'devel' });
    expect(devel.name).toBe('rocky-9-minimal-devel');
    expect(devel.variant).toBe('devel');
    expect(devel.packages.slice(0, base.packages.length)).toEqual(base.packages);
    expect(devel.packages).toContain('gcc');
    await expect(loadRecipe('recipes/rocky-9/minimal.yaml', ctx, { variant: 'nope' })).rejects.toThrow(
      /common\/el-container\.yaml:\d+: variants: no variant "nope" \(available: devel\)/,
    );
  });
});

describe('layering', () => {
  const dir = tempDir('vzbuild-recipe-');
  afterAll(dir.cleanup);
  const lctx = makeCtx({ cwd: dir.path, settings: resolveSettings({}, {}) });
  const write = (rel: string, text: string) => {
    mkdirSync(join(dir.path, rel, '..'), { recursive: true });
    writeFileSync(join(dir.path, rel), text);
  };
  write(
    'base.yaml',
    `distro: { id: almalinux, release: "9", arch: x86_64 }
repos:
  - id: a
    baseurl: https://example.org/a/$basearch/
    gpgkey: file:///etc/pki/rpm-gpg/KEY-A
  - id: b
    baseurl: https://example.org/b/
    gpgcheck: false
packages: [bash, coreutils]
exclude: ["kernel*"]
weak_deps: false
arch:
  aarch64:
    packages: [grub2-efi-aa64-modules]
  x86_64:
    packages: [microcode_ctl]
hooks:
  post_install:
    - run: echo base
`,
  );

  it('appends lists, overrides scalars, merges repos by id, honours !reset', async () => {
    write(
      'child.yaml',
      `name: child
extends: base.yaml
repos:
  - id: b
    enabled: false
  - id: c
    mirrorlist: https://example.org/mirrors?arch=$arch
    gpgkey: [https://example.org/c.key]
    fingerprint: "aaaa bbbb cccc dddd eeee  ffff 0000 1111 2222 3333"
packages: [vim-minimal]
exclude: !reset []
weak_deps: !reset
hooks:
  post_install: !reset
    - run: echo child
`,
    );
    const r = await loadRecipe('child.yaml', lctx);
    expect(r.repos.map((x) => [x.id, x.enabled])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
    ]);
    expect(r.repos[0].baseurl).toEqual(['https://example.org/a/x86_64/']);
    expect(r.repos[2]).toMatchObject({ mirrorlist: 'https://example.org/mirrors?arch=x86_64', fingerprint: ['AAAABBBBCCCCDDDDEEEEFFFF0000111122223333'], priority: 99, cost: 1000 });
    // arch overlays apply after the whole extends chain, so their lists come last
    expect(r.packages).toEqual(['bash', 'coreutils', 'vim-minimal', 'microcode_ctl']);
    expect(r.exclude).toEqual([]);
    expect(r.weakDeps).toBe(true);
    expect(r.hooks.postInstall).toEqual(['echo child']);
    const arm = await loadRecipe('child.yaml', lctx, { arch: 'aarch64' });
    expect(arm.packages).toEqual(['bash', 'coreutils', 'vim-minimal', 'grub2-efi-aa64-modules']);
  });

  it('reads hook files relative to the recipe that names them', async () => {
    write('sub/hooks/post.sh', '#!/bin/sh\necho from-file\n');
    write('sub/layer.yaml', `hooks:\n  pre_cache:\n    - file: hooks/post.sh\n`);
    write('top.yaml', `name: top\nextends: [base.yaml, sub/layer.yaml]\n`);
    const r = await loadRecipe('top.yaml', lctx);
    expect(r.hooks.preCache).toEqual(['#!/bin/sh\necho from-file\n']);
  });

  it('refuses an extends cycle, naming the chain', async () => {
    write('c1.yaml', 'extends: c2.yaml\n');
    write('c2.yaml', 'extends: c1.yaml\n');
    await expect(loadRecipe('c1.yaml', lctx)).rejects.toMatchObject({ code: 'E_RECIPE_CYCLE', message: expect.stringContaining('c1.yaml -> c2.yaml -> c1.yaml') });
  });

  it('names a missing parent and who extends it', async () => {
    write('orphan.yaml', 'extends: nowhere.yaml\n');
    await expect(loadRecipe('orphan.yaml', lctx)).rejects.toMatchObject({ code: 'E_RECIPE_NOT_FOUND', message: expect.stringContaining('(extended by orphan.yaml)') });
  });

  it('turns warnings into errors under --strict', async () => {
    write('weak.yaml', `name: weak\nextends: base.yaml\n`);
    await expect(loadRecipe('weak.yaml', lctx)).resolves.toBeTruthy();
    await expect(loadRecipe('weak.yaml', { ...lctx, settings: resolveSettings({ strict: true }, {}) })).rejects.toThrow(
      'base.yaml:8: repos[1].gpgcheck: packages from repo "b" are not signature-checked (an error under --strict)',
    );
  });
});

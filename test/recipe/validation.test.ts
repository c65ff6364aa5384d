// Bad recipes: every problem is reported at once, each as `file:line: key: message`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { ValidationError } from '../../builder/errors.js';
import { loadRecipe } from '../../builder/recipe/index.js';
import { resolveSettings } from '../../builder/settings.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir('vzbuild-recipe-bad-');
afterAll(dir.cleanup);
const ctx = makeCtx({ cwd: dir.path, settings: resolveSettings({}, {}) });

async function problemsOf(rel: string, text: string, opts = {}): Promise<string[]> {
  mkdirSync(join(dir.path, rel, '..'), { recursive: true });
  writeFileSync(join(dir.path, rel), text);
  try {
    await loadRecipe(rel, ctx, opts);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error(`${rel} loaded without problems`);
}

describe('schema problems (per file, all at once)', () => {
  it('reports unknown keys with did-you-mean, wrong types and bad enums with exact lines', async () => {
    const problems = await problemsOf(
      'recipes/centos-stream-9/minimal.yaml',
      `name: cs9
distro: { id: centos-stream, release: "9", arch: x86_64 }
pakages: [bash]
weak_deps: "yes"
repos:
  - id: baseos
    baseurl: https://mirror.stream.centos.org/9-stream/BaseOS/$basearch/os/
    gpgkey: https://www.centos.org/keys/RPM-GPG-KEY-CentOS-Official
    fingerprint: 99DB70FAE1D7CE227FB6488205B555B38483C65D
  - id: appstream
    baseurl: https://mirror.stream.centos.org/9-stream/AppStream/$basearch/os/
    gpgkey: {url: https://example.org/key}
    excludepkgs: [foo]
    priority: 0
output:
  formats: [tar.bz2]
packages_x86_64: [microcode_ctl]
rpmdb: ndb
`,
    );
    expect(problems.sort()).toEqual(
      [
        'recipes/centos-stream-9/minimal.yaml:3: pakages: unknown key (did you mean `packages`?)',
        'recipes/centos-stream-9/minimal.yaml:4: weak_deps: must be true or false or empty',
        'recipes/centos-stream-9/minimal.yaml:12: repos[1].gpgkey: must be a string or a list of strings',
        'recipes/centos-stream-9/minimal.yaml:13: repos[1].excludepkgs: unknown key (did you mean `exclude`?)',
        'recipes/centos-stream-9/minimal.yaml:14: repos[1].priority: must be >= 1',
        'recipes/centos-stream-9/minimal.yaml:16: output.formats[0]: must be one of tar.gz, tar.xz, tar.zst, dir',
        'recipes/centos-stream-9/minimal.yaml:17: packages_x86_64: unknown key (per-arch lists go under `arch: { x86_64: { packages: [...] } }`)',
        'recipes/centos-stream-9/minimal.yaml:18: rpmdb: must be one of sqlite, bdb',
      ].sort(),
    );
  });

  it('reports YAML syntax errors and duplicate keys with their line', async () => {
    const problems = await problemsOf('dup.yaml', 'name: a\npackages: [bash]\nname: b\n');
    expect(problems).toEqual([expect.stringMatching(/^dup\.yaml:3: Map keys must be unique/)]);
    const syntax = await problemsOf('syntax.yaml', 'name: a\npackages: [bash\n');
    expect(syntax[0]).toMatch(/^syntax\.yaml:\d: /);
  });
});

describe('semantic problems (after extends)', () => {
  it('checks URLs, keys, fingerprints, variables, modules and hook files together, in file and line order', async () => {
    mkdirSync(join(dir.path, 'sem'), { recursive: true });
    writeFileSync(
      join(dir.path, 'sem/base.yaml'),
      `repos:
  - id: baseos
    baseurl: https://example.org/$releasever/$contentdir/os/
    gpgkey: http://example.org/RPM-GPG-KEY
    fingerprint: F4A80EB5
`,
    );
    const problems = await problemsOf(
      'sem/child.yaml',
      `name: sem
extends: base.yaml
distro: { id: mystery-linux, release: "3", arch: x86_64 }
repos:
  - id: extra
    gpgcheck: true
  - id: extra
    baseurl: not a url
    gpgcheck: false
packages: [bash, "vim minimal"]
modules:
  enable: [nodejs]
hooks:
  post_install:
    - file: missing.sh
`,
    );
    expect(problems).toEqual([
      'sem/base.yaml:3: repos[0].baseurl: unknown variable $contentdir (known: $releasever, $releasever_major, $releasever_minor, $basearch, $arch; define more under `vars:`)',
      'sem/base.yaml:4: repos[0].gpgkey: "http://example.org/RPM-GPG-KEY": scheme http: not allowed (keys are fetched from file:// paths or https URLs only)',
      'sem/base.yaml:5: repos[0].fingerprint: "F4A80EB5" is not a 40-hex-digit OpenPGP v4 fingerprint (a short key id is not a pin)',
      'sem/child.yaml:3: rpmdb: cannot tell the rpmdb format of mystery-linux 3; set rpmdb: sqlite or bdb',
      'sem/child.yaml:5: repos[1]: repo "extra" needs baseurl, mirrorlist or metalink',
      'sem/child.yaml:6: repos[1].gpgkey: repo "extra" checks signatures but names no gpgkey (set gpgkey, or gpgcheck: false)',
      'sem/child.yaml:7: repos[2].id: duplicate repo id "extra" (also repos[1])',
      'sem/child.yaml:8: repos[2].baseurl: "not a url" is not a URL',
      'sem/child.yaml:10: packages[1]: "vim minimal" has spaces: one package spec per list item',
      'sem/child.yaml:12: modules.enable[0]: "nodejs" is not name:stream (e.g. nodejs:18)',
      `sem/child.yaml:15: hooks.post_install[0].file: cannot read ${join(dir.path, 'sem/missing.sh')}: ENOENT`,
    ]);
  });

  it('requires name, distro and repos on the merged recipe', async () => {
    const problems = await problemsOf('empty.yaml', 'packages: [bash]\ndistro: { arch: x86_64 }\n');
    expect(problems).toEqual([
      'empty.yaml:1: name: is required',
      'empty.yaml:1: repos: at least one repository is required',
      'empty.yaml:2: distro.id: is required',
      'empty.yaml:2: distro.release: is required',
    ]);
  });

  it('rejects an unknown --arch', async () => {
    const problems = await problemsOf('arch.yaml', 'name: a\ndistro: { id: fedora, release: "42" }\n', { arch: 'sparc' });
    expect(problems).toEqual(['arch.yaml:1: arch: unknown arch "sparc" (known: x86_64, aarch64, ppc64le, s390x, i686, i386, armv7hl, noarch, riscv64)']);
  });
});

describe('output.levels', () => {
  const head = `name: lv
distro: { id: almalinux, release: "9", arch: x86_64 }
repos:
  - id: a
    baseurl: https://example.org/a/
    gpgcheck: false
packages: [bash]
`;
  it('reaches the recipe per format', async () => {
    mkdirSync(join(dir.path, 'lv'), { recursive: true });
    writeFileSync(join(dir.path, 'lv/ok.yaml'), head + 'output: { formats: [tar.zst, tar.xz], levels: { tar.zst: 19, tar.xz: 9 } }\n');
    const r = await loadRecipe('lv/ok.yaml', ctx);
    expect(r.output.levels).toEqual({ 'tar.zst': 19, 'tar.xz': 9 });
  });

  it('names a level out of range or for a format without levels, with its line', async () => {
    const problems = await problemsOf('lv/bad.yaml', head + 'output:\n  levels: { tar.zst: 22, dir: 1 }\n');
    expect(problems).toEqual(['lv/bad.yaml:9: output.levels.dir: unknown key (expected one of: tar.zst, tar.xz, tar.gz)', 'lv/bad.yaml:9: output.levels.tar.zst: must be <= 19']);
  });
});

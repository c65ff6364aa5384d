// Importers: real OpenVZ EZ templates (source tree and installed layout) and yum .repo
// files become recipes that load and validate; what cannot be carried over is said.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { ValidationError } from '../../builder/errors.js';
import { importEzTemplate, parseUrlMap, rpmdbFromPackageManager } from '../../builder/recipe/import-ez.js';
import { importRepoFiles } from '../../builder/recipe/import-repo.js';
import { loadRecipe } from '../../builder/recipe/index.js';
import { parseRepoFile } from '../../builder/recipe/repo-file.js';
import { resolveSettings } from '../../builder/settings.js';
import { BIN, fixture, tempDir } from '../helpers/env.js';

const run = promisify(execFile);
const dir = tempDir('vzbuild-import-');
afterAll(dir.cleanup);
const ctx = makeCtx({ cwd: dir.path, settings: resolveSettings({}, {}) });
const write = (rel: string, text: string) => {
  mkdirSync(join(dir.path, rel, '..'), { recursive: true });
  writeFileSync(join(dir.path, rel), text);
  return join(dir.path, rel);
};
const nonEmptyLines = (f: string) => readFileSync(f, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);

describe('import ez', () => {
  it('imports the OpenVZ centos-7 EZ template source tree', async () => {
    const res = await importEzTemplate(fixture('OpenVZ-centos-7-x86_64-ez'), ctx);
    const out = write('centos-7.yaml', res.text);
    const r = await loadRecipe(out, ctx);
    expect(r.name).toBe('centos-7-x86_64');
    expect(r.distro).toEqual({ id: 'centos', release: '7', arch: 'x86_64' });
    expect(r.rpmdb).toBe('bdb');
    const expected = nonEmptyLines(fixture('OpenVZ-centos-7-x86_64-ez/os_packages')).filter((p) => p !== 'vzdummy-systemd-el7');
    expect(r.packages).toEqual(expected);
    expect(res.warnings.join('\n')).toContain('package vzdummy-systemd-el7 is built by vzpkg from this spec');
    // $SW_SERVER expanded from vztt's url.map; ids from the URLs.
    expect(r.repos.map((x) => [x.id, x.mirrorlist])).toEqual([
      ['centos-7', 'http://vzdownload.swsoft.com/download/mirrors/centos-7'],
      ['updates-released-ce7', 'http://vzdownload.swsoft.com/download/mirrors/updates-released-ce7'],
      ['os', 'http://mirrorlist.centos.org/?release=7&arch=x86_64&repo=os'],
      ['updates', 'http://mirrorlist.centos.org/?release=7&arch=x86_64&repo=updates'],
    ]);
    // The EZ template has no keys: the shipped centos-7 recipe's pin is borrowed.
    for (const repo of r.repos) expect(repo.fingerprint).toEqual(['6341AB2753D78A78A7C27BB124C6A8A7F4A80EB5']);
    expect(r.environment).toEqual({ SYSTEMD_LOG_TARGET: 'console' });
    expect(res.text).toContain('# EZ osrelease: 3.10.0');
    const docker = await loadRecipe(out, ctx, { variant: 'docker' });
    expect(docker.name).toBe('centos-7-x86_64-docker');
    expect(docker.packages.at(-1)).toBe('docker-io');
    expect(docker.repos.at(-1)).toMatchObject({ id: 'extras', mirrorlist: 'http://mirrorlist.centos.org/?release=7&arch=x86_64&repo=extras', gpgcheck: false });
    const mysql = await loadRecipe(out, ctx, { variant: 'mysql' });
    expect(mysql.packages.slice(-4)).toEqual(nonEmptyLines(fixture('OpenVZ-centos-7-x86_64-ez/mysql_packages')));
  });

  it('imports the vzlinux-7 template and says that it has no key', async () => {
    const res = await importEzTemplate(fixture('OpenVZ-vzlinux-7-x86_64-ez'), ctx);
    const r = await loadRecipe(write('vzl.yaml', res.text), ctx);
    expect(r.repos.map((x) => x.id)).toEqual(['mirrors-7-os', 'mirrors-7-updates']);
    expect(r.repos.every((x) => !x.gpgcheck)).toBe(true);
    expect(res.warnings).toContain(`${fixture('OpenVZ-vzlinux-7-x86_64-ez')}: no pinned key for vzlinux 7: the imported repos have gpgcheck off`);
  });

  it('imports an installed template with hooks, repositories, package_manager and app templates', async () => {
    const base = 'vz/template/almalinux/9/x86_64/config';
    write(`${base}/os/default/packages`, '# base set\nbash\nrpm\n\ndnf # the installer\n');
    write(`${base}/os/default/repositories`, 'https://repo.almalinux.org/almalinux/$RELEASE/BaseOS/$BASEARCH/os/\n');
    write(`${base}/os/default/post-install`, '#!/bin/sh\necho configured > /etc/motd\n');
    write(`${base}/os/default/pre-cache`, '#!/bin/sh\necho "$1"\n');
    write(`${base}/os/default/pre-install`, '#!/bin/sh\ntrue\n');
    write(`${base}/os/default/package_manager`, 'rpm416x64\n');
    write(`${base}/os/default/environment`, 'LANG="C.UTF-8"\n');
    write(`${base}/app/devel/default/packages`, 'gcc\nmake\n');
    const res = await importEzTemplate(join(dir.path, base, 'os/default'), ctx);
    const r = await loadRecipe(write('alma.yaml', res.text), ctx);
    expect(r).toMatchObject({ name: 'almalinux-9-x86_64', distro: { id: 'almalinux', release: '9', arch: 'x86_64' }, rpmdb: 'sqlite', packages: ['bash', 'rpm', 'dnf'], environment: { LANG: 'C.UTF-8' } });
    expect(r.repos[0]).toMatchObject({ id: 'BaseOS', baseurl: ['https://repo.almalinux.org/almalinux/9/BaseOS/x86_64/os/'], fingerprint: ['BF18AC2876178908D6E71267D36CB86CB86B3716'] });
    expect(r.hooks).toEqual({ preCache: ['#!/bin/sh\necho "$1"\n'], postCache: [], postInstall: ['#!/bin/sh\necho configured > /etc/motd\n'] });
    expect(res.warnings.join('\n')).toContain('vzbuild has no pre-install hook');
    expect(res.text).toContain('# EZ pre-install script (not run by vzbuild):');
    expect((await loadRecipe(join(dir.path, 'alma.yaml'), ctx, { variant: 'devel' })).packages).toEqual(['bash', 'rpm', 'dnf', 'gcc', 'make']);
  });

  it('names unknown URL macros and variables instead of writing a broken recipe', async () => {
    write('ez-bad/centos-8-x86_64-ez/os_packages', 'bash\n');
    write('ez-bad/centos-8-x86_64-ez/os_mirrorlist', '$RH_SERVER/mirrors/el8\nhttps://example.org/$infra/$BASEARCH/\n');
    const err = await importEzTemplate(join(dir.path, 'ez-bad/centos-8-x86_64-ez'), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems).toEqual([
      'ez-bad/centos-8-x86_64-ez/os_mirrorlist: "$RH_SERVER/mirrors/el8" uses $RH_SERVER; pass --var RH_SERVER=VALUE or --url-map FILE',
      'ez-bad/centos-8-x86_64-ez/os_mirrorlist: "https://example.org/$infra/$BASEARCH/" uses $infra; pass --var infra=VALUE',
    ]);
    const ok = await importEzTemplate(join(dir.path, 'ez-bad/centos-8-x86_64-ez'), ctx, { urlMap: parseUrlMap(readFileSync(fixture('OpenVZ-vztt/etc/url.map'), 'utf8')), vars: { infra: 'stock', RH_SERVER: 'https://rh.example' } });
    expect(ok.text).toContain('mirrorlist: https://example.org/$infra/$basearch/');
  });

  it('maps vztt package managers to rpmdb formats', () => {
    expect([rpmdbFromPackageManager('rpm49x64'), rpmdbFromPackageManager('rpm49db5x64'), rpmdbFromPackageManager('rpm416x64'), rpmdbFromPackageManager('dpkg')]).toEqual(['bdb', 'bdb', 'sqlite', undefined]);
  });
});

const CS9_REPO = `[main]
gpgcheck=1

# CentOS Stream 9, as /etc/yum.repos.d/centos.repo
[baseos]
name=CentOS Stream $releasever - BaseOS
metalink=https://mirrors.centos.org/metalink?repo=centos-baseos-$stream&arch=$basearch&protocol=https,http
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-centosofficial
gpgcheck=1
repo_gpgcheck=0
metadata_expire=6h
countme=1
enabled=1

[appstream]
name=CentOS Stream $releasever - AppStream
baseurl=https://mirror.stream.centos.org/$stream/AppStream/$basearch/os/
        https://mirror2.example.org/$stream/AppStream/$basearch/os/
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-centosofficial,
   https://www.centos.org/keys/RPM-GPG-KEY-CentOS-Official
excludepkgs=kernel*, linux-firmware
priority=10
enabled=yes

[crb]
name=CentOS Stream $releasever - CRB
metalink=https://mirrors.centos.org/metalink?repo=centos-crb-$stream&arch=$basearch&protocol=https,http
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-centosofficial
enabled=0
frobnicate=1
`;

describe('import repo', () => {
  it('parses multi-line and comma lists, booleans and [main]', () => {
    const r = parseRepoFile(CS9_REPO, 'centos.repo');
    expect(r.problems).toEqual([]);
    expect(r.repos.map((x) => x.id)).toEqual(['baseos', 'appstream', 'crb']);
    expect(r.repos[1].fields).toEqual({
      id: 'appstream',
      name: 'CentOS Stream $releasever - AppStream',
      baseurl: ['https://mirror.stream.centos.org/$stream/AppStream/$basearch/os/', 'https://mirror2.example.org/$stream/AppStream/$basearch/os/'],
      gpgkey: ['file:///etc/pki/rpm-gpg/RPM-GPG-KEY-centosofficial', 'https://www.centos.org/keys/RPM-GPG-KEY-CentOS-Official'],
      exclude: ['kernel*', 'linux-firmware'],
      priority: 10,
      enabled: true,
    });
    expect(r.warnings).toEqual([
      'centos.repo:11: [baseos] metadata_expire: client tuning option dropped',
      'centos.repo:12: [baseos] countme: client tuning option dropped',
      'centos.repo:30: [crb] frobnicate: unknown option dropped',
    ]);
    expect(parseRepoFile('[x]\nenabled=maybe\nbaseurl\n', 'b.repo').problems).toEqual(['b.repo:2: [x] enabled: "maybe" is not a boolean', 'b.repo:3: cannot parse "baseurl" (expected key=value)']);
  });

  it('turns .repo files into a valid recipe, asking for unknown dnf variables', async () => {
    const file = write('centos.repo', CS9_REPO);
    const opts = { name: 'cs9-imported', distro: { id: 'centos-stream', release: '9', arch: 'x86_64' }, packages: ['bash'] };
    const err = await importRepoFiles([file], ctx, opts).catch((e: unknown) => e);
    expect((err as ValidationError).problems).toEqual([
      'centos.repo:5: [baseos]: uses $stream; pass --var stream=VALUE (dnf reads it from /etc/dnf/vars/stream)',
      'centos.repo:15: [appstream]: uses $stream; pass --var stream=VALUE (dnf reads it from /etc/dnf/vars/stream)',
      'centos.repo:25: [crb]: uses $stream; pass --var stream=VALUE (dnf reads it from /etc/dnf/vars/stream)',
    ]);
    const res = await importRepoFiles([file], ctx, { ...opts, vars: { stream: '9-stream' } });
    const r = await loadRecipe(write('cs9.yaml', res.text), ctx);
    expect(r.repos.map((x) => [x.id, x.enabled, x.baseurl[0] ?? x.metalink])).toEqual([
      ['baseos', true, 'https://mirrors.centos.org/metalink?repo=centos-baseos-9-stream&arch=x86_64&protocol=https,http'],
      ['appstream', true, 'https://mirror.stream.centos.org/9-stream/AppStream/x86_64/os/'],
      ['crb', false, 'https://mirrors.centos.org/metalink?repo=centos-crb-9-stream&arch=x86_64&protocol=https,http'],
    ]);
    expect(r.repos[1]).toMatchObject({ exclude: ['kernel*', 'linux-firmware'], priority: 10, fingerprint: ['99DB70FAE1D7CE227FB6488205B555B38483C65D'] });
    expect(r.packages).toEqual(['bash']);
    expect(r.rpmdb).toBe('sqlite');
  });

  it('refuses a repo id defined in two files', async () => {
    const a = write('a.repo', '[dup]\nbaseurl=https://a.example/\ngpgcheck=0\n');
    const b = write('b.repo', '\n[dup]\nbaseurl=https://b.example/\ngpgcheck=0\n');
    await expect(importRepoFiles([a, b], ctx, { name: 'x', distro: { id: 'fedora', release: '42', arch: 'x86_64' } })).rejects.toMatchObject({ problems: ['b.repo:2: [dup]: repo id defined twice'] });
  });
});

describe('recipe CLI', () => {
  it('validate exits 1 and lists every problem; show prints the expanded recipe as JSON', async () => {
    const bad = write('cli/bad.yaml', 'name: x\ndistro: { id: fedora, release: "42", arch: x86_64 }\nrepoz: []\npackages: [bash]\n');
    const err = (await run(BIN, ['recipe', 'validate', bad, 'centos-stream-9'], { cwd: dir.path }).catch((e: unknown) => e)) as { code: number; stdout: string };
    expect(err.code).toBe(1);
    expect(err.stdout).toContain('INVALID cli/bad.yaml\n  cli/bad.yaml:3: repoz: unknown key (did you mean `repos`?)');
    expect(err.stdout).toMatch(/ok {6}\/.*recipes\/centos-stream-9\/minimal\.yaml --variant devel/);
    const { stdout } = await run(BIN, ['--json', 'recipe', 'show', 'fedora-43', '--variant', 'devel', '--arch', 'aarch64'], { cwd: dir.path });
    const shown = JSON.parse(stdout);
    expect(shown).toMatchObject({ name: 'fedora-43-minimal-devel', distro: { id: 'fedora', release: '43', arch: 'aarch64' }, rpmdb: 'sqlite' });
    expect(shown.repos[0].metalink).toBe('https://mirrors.fedoraproject.org/metalink?repo=fedora-43&arch=aarch64');
  });

  it('import ez -o writes the file atomically and refuses to overwrite without --force', async () => {
    const out = join(dir.path, 'cli/c7.yaml');
    await run(BIN, ['recipe', 'import', 'ez', fixture('OpenVZ-centos-7-x86_64-ez'), '-o', out]);
    expect(readFileSync(out, 'utf8')).toContain('name: centos-7-x86_64');
    const again = (await run(BIN, ['recipe', 'import', 'ez', fixture('OpenVZ-centos-7-x86_64-ez'), '-o', out]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${out} exists`);
    await run(BIN, ['recipe', 'import', 'ez', fixture('OpenVZ-centos-7-x86_64-ez'), '-o', out, '--force']);
  });
});

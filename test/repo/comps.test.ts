// comps against libcomps (dnf's own comps reader) on real files: Fedora 19 (environments),
// CentOS 6 (conditional packages with dots in names), RHEL 6 (xz, through loadRepo) and
// CentOS Stream 9 AppStream (plain XML, group_xz listed but absent).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepo, localOpener, parseComps } from '../../builder/repo/index.js';
import type { Comps } from '../../builder/repo/index.js';
import { fixture, REPO_ROOT, tempDir, tools } from '../helpers/env.js';

function reference(file: string): Comps {
  return JSON.parse(execFileSync('/usr/bin/python3', [join(REPO_ROOT, 'test', 'repo', 'read-comps.py'), file], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** A file parsed on its own, through parseComps with a one-file opener. */
async function compsOf(file: string): Promise<Comps> {
  const dir = join(file, '..');
  const name = file.slice(dir.length + 1);
  const { createHash } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const sum = createHash('sha256').update(readFileSync(file)).digest('hex');
  return parseComps({ repo: 'comps', open: localOpener(dir), record: { type: 'group', location: name, checksum: `sha256:${sum}` } });
}

describe.skipIf(!tools('python3'))('comps against libcomps', () => {
  it('Fedora 19: 100 groups, 12 environments, 12 categories, every field', async () => {
    const file = fixture('pulp_rpm', 'Fedora-19-comps.xml');
    const ours = await compsOf(file);
    expect([ours.groups.length, ours.environments.length, ours.categories.length]).toEqual([100, 12, 12]);
    expect(ours).toEqual(reference(file));
    const withOptions = ours.environments.find((e) => e.options.some((o) => o.default));
    expect(withOptions).toBeDefined();
  });

  it('CentOS 6 (gzip): 210 groups with conditional requires=', async () => {
    const file = fixture('pulp_rpm', 'centos6_comps_xml_problem_with_dot_in_cond_pkg_group_name.xml.gz');
    const ours = await compsOf(file);
    expect(ours.groups.length).toBe(210);
    expect(ours).toEqual(reference(file));
    const cond = ours.groups.flatMap((g) => g.packages).filter((p) => p.type === 'conditional');
    expect(cond.length).toBeGreaterThan(100);
    expect(cond.every((p) => p.requires)).toBe(true);
  });

  it('RHEL 6 repo: group.xml.xz through loadRepo, 202 groups, 10 categories', async () => {
    const repo = fixture('pulp_rpm', 'rhel6-test_comps_with_xz_compress');
    const meta = await loadRepo({ id: 'rhel6', open: localOpener(repo), want: { modules: false } });
    const file = join(repo, 'repodata', readdirSync(join(repo, 'repodata')).find((n) => n.endsWith('-group.xml.xz'))!);
    expect(meta.comps!.groups.length).toBe(202);
    expect(meta.comps!.categories.length).toBe(10);
    expect(meta.comps).toEqual(reference(file));
    const core = meta.comps!.groups.find((g) => g.id === 'core')!;
    expect(core.packages.filter((p) => p.type === 'mandatory').map((p) => p.name)).toContain('bash');
  });

  it('CentOS Stream 9 AppStream: falls back to the plain group file when group_xz is missing', async () => {
    const repo = fixture('osbuild-osbuild', 'testrepos', 'appstream');
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const meta = await loadRepo({ id: 'appstream', open: localOpener(repo), want: { modules: false } }, { log });
    expect([meta.comps!.groups.length, meta.comps!.environments.length]).toEqual([63, 4]);
    expect(warnings.join('\n')).toMatch(/comps-AppStream\.x86_64\.xml\.xz is listed but missing; using <data type="group">/);
    const file = join(repo, 'repodata', readdirSync(join(repo, 'repodata')).find((n) => n.endsWith('.x86_64.xml'))!);
    expect(meta.comps).toEqual(reference(file));
  });

  it('rejects a packagereq of unknown type, naming the group and line', async () => {
    const t = tempDir();
    try {
      mkdirSync(t.path, { recursive: true });
      const file = join(t.path, 'comps.xml');
      writeFileSync(file, '<?xml version="1.0"?>\n<comps>\n<group>\n<id>g</id>\n<packagelist>\n<packagereq type="sometimes">x</packagereq>\n</packagelist>\n</group>\n</comps>\n');
      await expect(compsOf(file)).rejects.toMatchObject({ code: 'E_METADATA_MALFORMED', message: expect.stringMatching(/comps\.xml: line 6: <packagereq type="sometimes"> in group g/) });
    } finally {
      t.cleanup();
    }
  });
});

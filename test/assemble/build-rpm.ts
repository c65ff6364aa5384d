// Build small real packages with rpmbuild for assemble tests: a file tree (files, dirs,
// symlinks, even ones pointing out of the root) plus scriptlets, as data.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TestFile {
  path: string;
  type?: 'file' | 'dir' | 'symlink';
  content?: string | Buffer;
  target?: string;
  mode?: string;
}

export interface TestPackage {
  name: string;
  version?: string;
  release?: string;
  arch?: string;
  files: TestFile[];
  requires?: string[];
  provides?: string[];
  scripts?: Partial<Record<'pretrans' | 'pre' | 'post' | 'posttrans', { prog: string; body: string }>>;
  /** Raw spec sections appended (triggers, file triggers). */
  extra?: string;
}

export function buildRpm(work: string, p: TestPackage): string {
  const src = join(work, `${p.name}-src`);
  const top = join(work, `${p.name}-top`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const lines: string[] = [];
  for (const f of p.files) {
    const dst = join(src, f.path);
    mkdirSync(dirname(dst), { recursive: true });
    const attr = f.mode ? `%attr(${f.mode},root,root) ` : '';
    if (f.type === 'dir') {
      mkdirSync(dst, { recursive: true });
      lines.push(`${attr}%dir "${f.path}"`);
    } else if (f.type === 'symlink') {
      symlinkSync(f.target!, dst);
      lines.push(`"${f.path}"`);
    } else {
      writeFileSync(dst, f.content ?? `${f.path}\n`);
      lines.push(`${attr}"${f.path}"`);
    }
  }
  const spec = [
    `Name: ${p.name}`,
    `Version: ${p.version ?? '1.0'}`,
    `Release: ${p.release ?? '1'}`,
    'Summary: test',
    'License: test',
    'AutoReqProv: no',
    ...(p.arch === 'noarch' || !p.arch ? ['BuildArch: noarch'] : []),
    ...(p.requires ?? []).map((r) => `Requires: ${r}`),
    ...(p.provides ?? []).map((r) => `Provides: ${r}`),
    '%description',
    'test',
    '%install',
    'mkdir -p %{buildroot}',
    `cp -a "${src}/." %{buildroot}/`,
    ...Object.entries(p.scripts ?? {}).map(([k, s]) => `%${k} -p ${s.prog}\n${s.body}\n`),
    p.extra ?? '',
    '%files',
    ...lines,
    '',
  ].join('\n');
  const specFile = join(work, `${p.name}.spec`);
  writeFileSync(specFile, spec);
  execFileSync(
    'rpmbuild',
    ['-bb', '--quiet', ...(p.arch && p.arch !== 'noarch' ? ['--target', p.arch] : []), '--define', `_topdir ${top}`, '--define', '_build_id_links none', '--define', '__os_install_post %{nil}', '--define', '__brp_mangle_shebangs %{nil}', '--define', '_binary_payload w9.gzdio', specFile],
    { stdio: 'pipe', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } },
  );
  const rpms = join(top, 'RPMS', p.arch && p.arch !== 'noarch' ? p.arch : 'noarch');
  const f = readdirSync(rpms).find((n) => n.startsWith(`${p.name}-`));
  if (!f) throw new Error(`rpmbuild made no package for ${p.name}`);
  return join(rpms, f);
}

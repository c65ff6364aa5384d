// Generated yum repos for solver tests: tiny RPMs built by the real rpmbuild from a
// compact description, indexed by the real createrepo_c. Cached by content in TEST_CACHE.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_CACHE } from '../../helpers/stub-repo.js';

export interface GenPackage {
  name: string;
  version?: string;
  release?: string;
  epoch?: number;
  arch?: string;
  requires?: string[];
  provides?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  recommends?: string[];
  suggests?: string[];
  supplements?: string[];
  enhances?: string[];
  files?: string[];
}

function spec(p: GenPackage): string {
  const lines = [
    `Name: ${p.name}`,
    `Version: ${p.version ?? '1.0'}`,
    `Release: ${p.release ?? '1'}`,
    ...(p.epoch ? [`Epoch: ${p.epoch}`] : []),
    'Summary: generated test package',
    'License: MIT',
    ...(p.arch === 'noarch' || !p.arch ? ['BuildArch: noarch'] : []),
    'AutoReqProv: no',
    ...(p.requires ?? []).map((d) => `Requires: ${d}`),
    ...(p.provides ?? []).map((d) => `Provides: ${d}`),
    ...(p.conflicts ?? []).map((d) => `Conflicts: ${d}`),
    ...(p.obsoletes ?? []).map((d) => `Obsoletes: ${d}`),
    ...(p.recommends ?? []).map((d) => `Recommends: ${d}`),
    ...(p.suggests ?? []).map((d) => `Suggests: ${d}`),
    ...(p.supplements ?? []).map((d) => `Supplements: ${d}`),
    ...(p.enhances ?? []).map((d) => `Enhances: ${d}`),
    '%description',
    'generated',
    '%install',
    ...(p.files ?? []).map((f) => `mkdir -p %{buildroot}$(dirname ${f}) && echo ${p.name} > %{buildroot}${f}`),
    '%files',
    ...(p.files ?? []),
    '',
  ];
  return lines.join('\n');
}

/** Build (or reuse) a repo of the given packages (and comps.xml text); returns its directory. */
export function genRepo(pkgs: GenPackage[], comps?: string): string {
  const key = createHash('sha256').update(JSON.stringify(pkgs)).update(comps ? `\0${comps}` : '').digest('hex').slice(0, 16);
  const out = join(TEST_CACHE, `genrepo-${key}`);
  if (existsSync(join(out, 'repodata', 'repomd.xml'))) return out;
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'build'), { recursive: true });
  for (const [i, p] of pkgs.entries()) {
    const file = join(tmp, 'build', `p${i}.spec`);
    writeFileSync(file, spec(p));
    const arch = p.arch && p.arch !== 'noarch' ? ['--target', p.arch] : [];
    execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${join(tmp, 'build')}`, '--define', `_rpmdir ${join(tmp, 'rpms')}`, '--define', '_build_id_links none', ...arch, file], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  rmSync(join(tmp, 'build'), { recursive: true, force: true });
  if (comps) writeFileSync(join(tmp, 'comps.xml'), comps);
  execFileSync('createrepo_c', ['--quiet', ...(comps ? ['-g', 'comps.xml'] : []), tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, out);
  return out;
}

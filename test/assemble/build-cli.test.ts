// `vzbuild build` end to end on a small local repo: resolve → fetch → assemble → pack,
// then an unchanged second build that does nothing, then a changed lock that unpacks only
// the new package.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, tempDir, tools } from '../helpers/env.js';
import { buildRpm } from './build-rpm.js';

describe.skipIf(!tools('rpm', 'rpmbuild', 'createrepo_c', 'bwrap', 'zstd'))('vzbuild build', () => {
  const tmp = tempDir('vzbuild-build-');
  const repo = join(tmp.path, 'repo');
  const recipe = join(tmp.path, 'tiny.yaml');
  const lock = join(tmp.path, 'tiny.lock');
  const out = join(tmp.path, 'out');
  const cache = join(tmp.path, 'state');
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, '--cache-dir', cache, '--json', ...args], { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } });
    if (r.status !== 0) throw new Error(`vzbuild ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
    return JSON.parse(r.stdout) as { upToDate: boolean; buildId: string; assemble?: { stats: { imported: number; reused: number; packages: number } }; artifacts: { path: string }[] };
  };
  beforeAll(() => {
    mkdirSync(repo, { recursive: true });
    buildRpm(join(tmp.path, 'b'), {
      name: 'filesystem',
      arch: 'x86_64',
      files: [{ path: '/etc', type: 'dir' }, { path: '/usr', type: 'dir' }, { path: '/bin/sh', type: 'symlink', target: 'busybox' }, { path: '/bin/busybox', content: readFileSync('/bin/busybox'), mode: '0755' }],
    }).replace(/.*/, (p) => (execFileSync('cp', [p, repo]), p));
    buildRpm(join(tmp.path, 'b'), { name: 'hello', requires: ['filesystem'], files: [{ path: '/usr/share/hello', content: 'hi\n' }] }).replace(/.*/, (p) => (execFileSync('cp', [p, repo]), p));
    execFileSync('createrepo_c', ['-q', repo]);
    writeFileSync(
      recipe,
      [
        'name: tiny',
        'distro: { id: tiny, release: "1", arch: x86_64 }',
        'repos:',
        `  - id: local`,
        `    baseurl: file://${repo}`,
        '    gpgcheck: false',
        'packages: [hello]',
        'output: { formats: [tar.zst] }',
        'rpmdb: sqlite',
        'hooks:',
        '  post_install: ["echo inside > /etc/hook-ran"]',
        `  pre_cache: ['test -f "$1/etc/hook-ran" && touch ${tmp.path}/pre-cache-ran']`,
        `  post_cache: ['test -f "$1" && touch ${tmp.path}/post-cache-ran']`,
        '',
      ].join('\n'),
    );
  });
  afterAll(tmp.cleanup);

  it('builds, then skips an unchanged build, then reuses the store for a changed lock', () => {
    const first = run('build', recipe, '--lock', lock, '--output-dir', out, '--format', 'tar.zst');
    expect(first.upToDate).toBe(false);
    expect(first.assemble!.stats).toMatchObject({ packages: 2, imported: 2, reused: 0 });
    expect(existsSync(join(out, 'tiny-1-x86_64.tar.zst'))).toBe(true);
    const listing = execFileSync('tar', ['--zstd', '-tvf', join(out, 'tiny-1-x86_64.tar.zst')], { encoding: 'utf8' });
    expect(listing).toContain('usr/share/hello');
    expect(listing).toContain('etc/hook-ran');
    expect(existsSync(join(tmp.path, 'pre-cache-ran'))).toBe(true);
    expect(existsSync(join(tmp.path, 'post-cache-ran'))).toBe(true);

    const second = run('build', recipe, '--lock', lock, '--output-dir', out, '--format', 'tar.zst');
    expect(second.upToDate).toBe(true);

    // A compression level changes the bytes, so it is a new build (and the manifest says how).
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('output: { formats: [tar.zst] }', 'output: { formats: [tar.zst], levels: { tar.zst: 19 } }'));
    const leveled = run('build', recipe, '--lock', lock, '--output-dir', out, '--format', 'tar.zst');
    expect(leveled.upToDate).toBe(false);
    expect(leveled.buildId).not.toBe(first.buildId);
    const manifest = JSON.parse(readFileSync(join(out, 'tiny-1-x86_64.manifest.json'), 'utf8')) as { artifacts: { compressor: string }[] };
    expect(manifest.artifacts[0].compressor).toMatch(/^zstd .* -19( |$)/);

    // A new release of hello: re-resolve into a new lock; filesystem comes from the store.
    buildRpm(join(tmp.path, 'b2'), { name: 'hello', release: '2', requires: ['filesystem'], files: [{ path: '/usr/share/hello', content: 'hi again\n' }] }).replace(/.*/, (p) => (execFileSync('cp', [p, repo]), p));
    execFileSync('createrepo_c', ['-q', '--update', repo]);
    const third = run('build', recipe, '--lock', join(tmp.path, 'tiny2.lock'), '--output-dir', out, '--format', 'tar.zst');
    expect(existsSync(join(out, 'tiny-1-x86_64-old.tar.zst'))).toBe(true);
    expect(third.upToDate).toBe(false);
    expect(third.assemble!.stats).toMatchObject({ packages: 2, imported: 1, reused: 1 });
    expect(readFileSync(join(tmp.path, 'tiny2.lock'), 'utf8')).toContain('"release": "2"');
  }, 300_000);
});

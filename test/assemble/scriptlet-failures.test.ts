// rpm's policy for failing scriptlets: a failing %pre skips the package (nothing unpacked,
// not in the rpmdb, its %post never runs); a failing %post is a warning and the package
// stays installed. Both are reported with their output.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleRoot, type AssembleOutput } from '../../builder/assemble/index.js';
import { tempDir, tools } from '../helpers/env.js';
import { buildRpm } from './build-rpm.js';
import { inputFromRpms, rpmQa, testCtx } from './fixtures.js';

describe.skipIf(!tools('rpm', 'rpmbuild', 'bwrap', 'busybox'))('failing scriptlets', () => {
  const tmp = tempDir('vzbuild-fail-');
  const logs: string[] = [];
  let out: AssembleOutput;
  beforeAll(async () => {
    const work = join(tmp.path, 'build');
    const paths = [
      buildRpm(work, { name: 'sh', arch: 'x86_64', files: [{ path: '/bin/sh', type: 'symlink', target: 'busybox' }, { path: '/bin/busybox', content: readFileSync('/bin/busybox'), mode: '0755' }] }),
      buildRpm(work, { name: 'badpre', requires: ['sh'], files: [{ path: '/usr/share/badpre' }], extra: '%pre\necho "no room" >&2\nexit 7\n%post\ntouch /badpre-post\n' }),
      buildRpm(work, { name: 'badpost', requires: ['sh'], files: [{ path: '/usr/share/badpost' }], extra: '%post\necho "post says $1"\nexit 3\n' }),
    ];
    out = await assembleRoot({ ...inputFromRpms(paths), root: join(tmp.path, 'root') }, testCtx(join(tmp.path, 'cache'), logs));
  }, 300_000);
  afterAll(tmp.cleanup);

  it('skips the package whose %pre failed', () => {
    expect(out.skipped).toEqual(['badpre-1.0-1.noarch']);
    expect(existsSync(join(out.root, 'usr/share/badpre'))).toBe(false);
    expect(existsSync(join(out.root, 'badpre-post'))).toBe(false);
    expect(rpmQa(out.root)).toEqual(['badpost-0:1.0-1.noarch', 'sh-0:1.0-1.x86_64']);
    expect(out.scriptletResults.find((r) => r.kind === 'pre')).toMatchObject({ nevra: 'badpre-1.0-1.noarch', ok: false, exitCode: 7, output: 'no room\n' });
    expect(logs.join('\n')).toContain('badpre-1.0-1.noarch: install skipped (%pre failed)');
  });

  it('keeps the package whose %post failed, with a warning carrying its output', () => {
    expect(out.installed).toContain('badpost-1.0-1.noarch');
    expect(existsSync(join(out.root, 'usr/share/badpost'))).toBe(true);
    expect(out.scriptletResults.find((r) => r.kind === 'post')).toMatchObject({ ok: false, exitCode: 3, output: 'post says 1\n' });
    expect(logs.some((l) => l.startsWith('warn: %post(badpost-1.0-1.noarch) scriptlet failed, exit status 3'))).toBe(true);
  });

  it('ran the scripts in one sandbox session, not one sandbox each', () => {
    expect(logs.filter((l) => l.includes('one sandbox each'))).toEqual([]);
  });
});

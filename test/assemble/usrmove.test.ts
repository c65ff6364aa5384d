// A usrmove-era install: filesystem owns /bin → usr/bin and /lib64 → usr/lib64 and makes
// them in a Lua %pretrans before anything is unpacked; libgcc, ordered before filesystem
// (it requires nothing), ships /lib64/libgcc_s.so.1, which must land in /usr/lib64.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleRoot, type AssembleOutput } from '../../builder/assemble/index.js';
import { tempDir, tools } from '../helpers/env.js';
import { buildRpm } from './build-rpm.js';
import { inputFromRpms, rpmJustDb, rpmQa, rpmVa, testCtx } from './fixtures.js';

const PRETRANS = [
  'posix.mkdir("/usr")',
  'for _, d in ipairs({"bin", "lib64"}) do',
  '  posix.mkdir("/usr/" .. d)',
  '  if not posix.stat("/" .. d) then assert(posix.symlink("usr/" .. d, "/" .. d)) end',
  'end',
].join('\n');

describe.skipIf(!tools('rpm', 'rpmbuild', 'bwrap', 'busybox'))('usrmove: filesystem links made in %pretrans', () => {
  const tmp = tempDir('vzbuild-usrmove-');
  let out: AssembleOutput;
  let paths: string[];
  beforeAll(async () => {
    const work = join(tmp.path, 'build');
    paths = [
      buildRpm(work, { name: 'libgcc', arch: 'x86_64', files: [{ path: '/lib64/libgcc_s.so.1', content: 'ELF\n' }] }),
      buildRpm(work, {
        name: 'filesystem',
        files: [
          { path: '/usr', type: 'dir' },
          { path: '/usr/bin', type: 'dir' },
          { path: '/usr/lib64', type: 'dir' },
          { path: '/bin', type: 'symlink', target: 'usr/bin' },
          { path: '/lib64', type: 'symlink', target: 'usr/lib64' },
        ],
        scripts: { pretrans: { prog: '<lua>', body: PRETRANS } },
      }),
      buildRpm(work, {
        name: 'bash',
        arch: 'x86_64',
        requires: ['filesystem', 'libgcc'],
        files: [{ path: '/bin/sh', type: 'symlink', target: 'busybox' }, { path: '/usr/bin/busybox', content: readFileSync('/bin/busybox'), mode: '0755' }],
        // $1 is 1 on install; the marker proves /bin/sh runs through the usrmove link.
        extra: '%post -p /bin/sh\necho "post $1" > /usr/post-ran\n',
      }),
      // needed by two packages, libgcc sorts before filesystem (needed by one), as in real distros
      buildRpm(work, {
        name: 'glibc',
        requires: ['libgcc'],
        files: [{ path: '/usr/share/glibc' }],
        // a package trigger on bash and ldconfig-style file triggers, run under /bin/sh
        extra: [
          '%triggerin -- bash',
          'echo "triggerin $1 $2" >> /usr/share/trig',
          '%filetriggerin -- /usr/lib64',
          'sort > /usr/share/filetrig-$1',
          '%transfiletriggerin -P 2000000 -- /lib64 /usr/lib64 /usr/bin',
          'sort > /usr/share/transfiletrig',
          '',
        ].join('\n'),
      }),
    ];
    out = await assembleRoot({ ...inputFromRpms(paths), root: join(tmp.path, 'root') }, testCtx(join(tmp.path, 'cache')));
  }, 300_000);
  afterAll(tmp.cleanup);

  it('orders libgcc first, yet its /lib64 file lands in /usr/lib64', () => {
    expect(out.installed[0]).toMatch(/^libgcc-/);
    expect(out.installed[1]).toMatch(/^filesystem-/);
    expect(readlinkSync(join(out.root, 'lib64'))).toBe('usr/lib64');
    expect(readlinkSync(join(out.root, 'bin'))).toBe('usr/bin');
    expect(lstatSync(join(out.root, 'usr/lib64/libgcc_s.so.1')).isFile()).toBe(true);
  });

  it('runs %post under /bin/sh with $1 = 1', () => {
    expect(out.scriptletResults.filter((r) => r.kind === 'pretrans' || r.kind === 'post').map((r) => [r.kind, r.ok])).toEqual([
      ['pretrans', true],
      ['post', true],
    ]);
    expect(out.scriptletResults.filter((r) => !r.ok)).toEqual([]);
    expect(readFileSync(join(out.root, 'usr/post-ran'), 'utf8')).toBe('post 1\n');
  });

  it('fires triggers and file triggers as the real rpm does', () => {
    const rpmRoot = join(tmp.path, 'rpm-root');
    execFileSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--nosignature', '--nodigest', ...paths], { stdio: 'pipe' });
    for (const f of ['usr/share/trig', 'usr/share/transfiletrig', 'usr/post-ran']) {
      expect(readFileSync(join(out.root, f), 'utf8'), f).toBe(readFileSync(join(rpmRoot, f), 'utf8'));
    }
    expect(readdirSync(join(out.root, 'usr/share')).filter((n) => n.startsWith('filetrig')).sort()).toEqual(
      readdirSync(join(rpmRoot, 'usr/share')).filter((n) => n.startsWith('filetrig')).sort(),
    );
  });

  it('rpm -qa lists the lock and -Va is clean', () => {
    rpmJustDb(out.root, paths);
    expect(rpmQa(out.root)).toHaveLength(4);
    expect(rpmVa(out.root)).toBe('');
  });
});

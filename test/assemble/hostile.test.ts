// Security regression: packages that plant symlinks out of the root (to "/", "../../..",
// "/etc") and then ship files through them must never write outside the root; the files
// land where rpm's chroot would put them.
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleRoot } from '../../builder/assemble/index.js';
import { tempDir, tools } from '../helpers/env.js';
import { buildRpm } from './build-rpm.js';
import { inputFromRpms, rpmJustDb, rpmVa, testCtx } from './fixtures.js';

describe.skipIf(!tools('rpm', 'rpmbuild', 'bwrap'))('hostile symlink packages (E_UNSAFE_PATH)', () => {
  const tmp = tempDir('vzbuild-hostile-');
  const tag = `vzbuild-hostile-${process.pid}`;
  let root: string;
  let paths: string[];
  beforeAll(async () => {
    const work = join(tmp.path, 'build');
    paths = [
      buildRpm(work, {
        name: 'aaa-links',
        files: [
          { path: '/up', type: 'symlink', target: '/' },
          { path: '/var/rel', type: 'symlink', target: '../../../../..' },
          { path: '/conf', type: 'symlink', target: '/etc' },
        ],
      }),
      buildRpm(work, {
        name: 'zzz-through',
        requires: ['aaa-links'],
        files: [
          { path: `/up/tmp/${tag}-abs`, content: 'abs\n' },
          { path: `/var/rel/tmp/${tag}-rel`, content: 'rel\n' },
          { path: `/conf/${tag}-etc`, content: 'etc\n' },
        ],
        // A scriptlet that tries the same through the links stays inside too.
        scripts: { post: { prog: '<lua>', body: `local f = assert(io.open("/up/up/tmp/${tag}-lua", "w")) f:write("lua") f:close()` } },
      }),
    ];
    root = join(tmp.path, 'root');
    await assembleRoot({ ...inputFromRpms(paths), root }, testCtx(join(tmp.path, 'cache')));
  }, 300_000);
  afterAll(tmp.cleanup);

  it('keeps the planted links as links', () => {
    expect(readlinkSync(join(root, 'up'))).toBe('/');
    expect(readlinkSync(join(root, 'conf'))).toBe('/etc');
  });

  it('lands every file inside the root, as chroot would', () => {
    expect(readFileSync(join(root, 'tmp', `${tag}-abs`), 'utf8')).toBe('abs\n');
    expect(readFileSync(join(root, 'tmp', `${tag}-rel`), 'utf8')).toBe('rel\n');
    expect(readFileSync(join(root, 'etc', `${tag}-etc`), 'utf8')).toBe('etc\n');
    expect(readFileSync(join(root, 'tmp', `${tag}-lua`), 'utf8')).toBe('lua');
    expect(lstatSync(join(root, 'tmp')).isDirectory()).toBe(true);
  });

  it('writes nothing outside the root', () => {
    for (const f of [`/tmp/${tag}-abs`, `/tmp/${tag}-rel`, `/etc/${tag}-etc`, `/tmp/${tag}-lua`, join(tmp.path, 'tmp'), join(tmp.path, `${tag}-rel`)]) {
      expect(existsSync(f), f).toBe(false);
    }
  });

  it('is what rpm itself considers installed (rpm -Va through the links is clean)', () => {
    rpmJustDb(root, paths);
    expect(rpmVa(root)).toBe('');
  });
});

// Deploy's copy mode unpacks a template cache with the parallel decompressor where there is
// one (pigz, xz -T0) and must give exactly what GNU tar gives: owners, modes, hard links,
// symlinks, and capabilities (which plain `tar -xpf` drops: it needs --xattrs). Caches come
// from our own packer (zstd frames carry their size: the free-space check reads it).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, linkSync, mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packTemplate } from '../../builder/pack/index.js';
import { createCopyArea, unpackArgv } from '../../kernel/private/copy.js';
import { unpackedSize } from '../../kernel/private/space.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';

const t = tempDir('vzbuild-copy-area-');
afterAll(() => t.cleanup());

/** find's view of a tree: type, mode, owner, size, link target, hard-link count, per path. */
function listing(dir: string): string {
  return execFileSync('find', ['.', '-printf', '%y %m %U:%G %s %l %n %p\\n'], { cwd: dir, encoding: 'utf8' }).split('\n').sort().join('\n');
}

describe('copy-mode unpack argv', () => {
  it('uses the parallel decompressor by suffix and tar itself otherwise', async () => {
    const argv = await unpackArgv('/c/t.tar.xz', '/ct');
    const x = ['tar', '--numeric-owner', '--xattrs', '--xattrs-include=*'];
    expect(argv).toEqual([...x, '-I', 'xz -T0', '-xpf', '/c/t.tar.xz', '-C', '/ct']);
    expect(await unpackArgv('/c/t.tar.zst', '/ct')).toEqual([...x, '-xpf', '/c/t.tar.zst', '-C', '/ct']);
    expect(await unpackArgv('/c/t.tar', '/ct')).toEqual([...x, '-xpf', '/c/t.tar', '-C', '/ct']);
  });
});

describe.runIf(tools('tar', 'zstd', 'xz', 'getfattr', 'setcap', 'getcap'))('copy-mode private area', () => {
  const root = join(t.path, 'root');
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/ping'), 'ping');
  chmodSync(join(root, 'usr/bin/ping'), 0o4755);
  linkSync(join(root, 'usr/bin/ping'), join(root, 'usr/bin/ping6'));
  symlinkSync('usr/bin', join(root, 'bin'));
  writeFileSync(join(root, 'etc/shadow'), 'x');
  chmodSync(join(root, 'etc/shadow'), 0);
  if (IS_ROOT) {
    chownSync(join(root, 'etc/shadow'), 0, 15);
    execFileSync('setcap', ['cap_net_raw+ep', join(root, 'usr/bin/ping')]);
  }

  for (const format of ['tar.gz', 'tar.xz', 'tar.zst'] as const) {
    it(`${format}: same tree as tar --xattrs -xpf, capabilities kept`, async () => {
      const out = join(t.path, `out-${format}`);
      const r = await packTemplate(root, { name: 'c-1-x86_64', formats: [format], outputDir: out, sourceDateEpoch: 1_700_000_000, toolVersion: 'test' });
      const cache = r.artifacts[0].path;
      if (format === 'tar.zst') expect(await unpackedSize(cache)).toBe(r.tar.size);
      const ct = join(t.path, `ct-${format}`);
      mkdirSync(ct);
      await createCopyArea(cache, ct, join(ct, 'private'));
      expect(existsSync(join(ct, 'private.tmp'))).toBe(false);
      const peer = join(t.path, `peer-${format}`);
      mkdirSync(peer);
      execFileSync('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', cache, '-C', peer]);
      expect(listing(join(ct, 'private'))).toBe(listing(peer));
      if (IS_ROOT) expect(execFileSync('getcap', [join(ct, 'private/usr/bin/ping')], { encoding: 'utf8' })).toMatch(/cap_net_raw[=+]ep/);
    });
  }
});

// The two halves of the one-walk pack: xattrs looked up for the paths the walk hands over
// (no second walk of the tree), and the recycled output buffers, which must never change a
// byte of the stream.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openXattrReader } from '../../kernel/xattr.js';
import { planTar, tarChunks } from '../../builder/pack/index.js';
import { ChunkPool } from '../../builder/pack/chunk-pool.js';
import { CHUNK } from '../../builder/pack/tar-tree.js';
import { tempDir, tools } from '../helpers/env.js';

let tmp: ReturnType<typeof tempDir>;
let root: string;
const ODD = 'new\nline \\ back';

beforeAll(() => {
  tmp = tempDir('vzbuild-pack-xp-');
  root = join(tmp.path, 'root');
  mkdirSync(join(root, 'd'), { recursive: true });
  writeFileSync(join(root, 'd', ODD), 'odd name');
  writeFileSync(join(root, 'plain'), 'no xattrs');
  // Enough content for several chunks, in files of assorted sizes.
  for (let i = 0; i < 40; i++) writeFileSync(join(root, 'd', `f${i}`), Buffer.alloc(37_000 * (i + 1), i));
});
afterAll(() => tmp.cleanup());

describe('openXattrReader', () => {
  it.runIf(tools('getfattr', 'setfattr', 'xargs'))('reads the xattrs of exactly the paths it is given, odd names included', async () => {
    execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x00ff80', join(root, 'd', ODD)]);
    execFileSync('setfattr', ['-n', 'user.dir', '-v', 'yes', join(root, 'd')]);
    const r = openXattrReader();
    r.add(join(root, 'd'));
    r.add(join(root, 'd', ODD));
    r.add(join(root, 'plain'));
    r.add(join(root, 'vanished')); // gone since the walk: no xattrs, not an error
    const got = await r.done();
    expect([...got.keys()].sort()).toEqual([join(root, 'd'), join(root, 'd', ODD)]);
    expect(Buffer.from(got.get(join(root, 'd', ODD))!['user.bin'], 'base64')).toEqual(Buffer.from([0, 0xff, 0x80]));
    expect(Buffer.from(got.get(join(root, 'd'))!['user.dir'], 'base64').toString()).toBe('yes');
  });
  it.runIf(tools('getfattr', 'setfattr', 'xargs'))('with a base, paths are "./…" under it (and a name like an option stays a name)', async () => {
    writeFileSync(join(root, '-x'), 'dash');
    execFileSync('setfattr', ['-n', 'user.dash', '-v', 'yes', join(root, '-x')]);
    execFileSync('setfattr', ['-n', 'user.top', '-v', 'yes', root]);
    const r = openXattrReader({ base: root });
    for (const p of ['.', './-x', './d', './plain']) r.add(p);
    const got = await r.done();
    expect([...got.keys()].sort()).toEqual(['.', './-x', './d']);
    expect(Buffer.from(got.get('./-x')!['user.dash'], 'base64').toString()).toBe('yes');
    const bad = openXattrReader({ base: root });
    expect(() => bad.add('-x')).toThrow(/\.\/…/);
    expect((await bad.done()).size).toBe(0);
    execFileSync('setfattr', ['-x', 'user.top', root]);
    execFileSync('rm', [join(root, '-x')]);
  });
  it.runIf(tools('getfattr', 'xargs'))('no paths: an empty map', async () => {
    expect((await openXattrReader().done()).size).toBe(0);
  });
});

describe('tarChunks with a ChunkPool', () => {
  it.runIf(tools('getfattr', 'xargs'))('gives the same bytes as fresh buffers while reusing a few', async () => {
    const plan = await planTar(root, { sourceDateEpoch: 1_700_000_000 });
    const fresh = createHash('sha256');
    let n = 0;
    for await (const b of tarChunks(plan)) fresh.update(b), n++;
    expect(n).toBeGreaterThan(2);
    const pool = new ChunkPool(CHUNK);
    const pooled = createHash('sha256');
    const held: Buffer[] = [];
    for await (const b of tarChunks(plan, undefined, pool)) {
      pooled.update(b);
      held.push(b);
      // Hand buffers back two chunks late, as packTemplate does.
      if (held.length > 2) pool.release(held.shift()!);
    }
    expect(pooled.digest('hex')).toBe(fresh.digest('hex'));
    expect(pool.allocated).toBeLessThanOrEqual(4);
    expect(() => pool.release(Buffer.alloc(10))).toThrow(/not a chunk/);
  });
});

// Store checkout → template cache: files that share a store object by accident (identical
// files of two packages) stay separate files in the tarball, a package's own hard-link set
// stays a hard link, and two checkouts of the same packages pack to identical bytes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckout, openStore, type Store, type TreeEntry } from '../../cache/index.js';
import { packTemplate } from '../../builder/pack/index.js';
import { tempDir, tools } from '../helpers/env.js';

const T = 1_600_000_000;
let tmp: ReturnType<typeof tempDir>;
let store: Store;

async function file(path: string, content: string): Promise<TreeEntry> {
  const r = await store.addBuffer(Buffer.from(content), { mode: 0o755, uid: 0, gid: 0, mtime: T });
  return { path, type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: T, size: r.size, key: r.key };
}

beforeAll(async () => {
  tmp = tempDir('vzbuild-copack-');
  store = await openStore(join(tmp.path, 'store'));
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

describe.runIf(tools('tar', 'zstd'))('checkout then pack', () => {
  async function build(name: string) {
    const co = await openCheckout(store, join(tmp.path, name));
    const dir = (path: string): TreeEntry => ({ path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T, size: 0 });
    await co.add([dir('usr'), dir('usr/lib64'), { path: 'lib64', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T, size: 0, linkTarget: 'usr/lib64' }]);
    const git = await file('lib64/git', 'git binary');
    await co.add([dir('usr/bin'), await file('usr/bin/LICENSE-a', 'same text'), git, { ...git, path: 'lib64/git-add', type: 'hardlink', key: undefined, linkTarget: 'lib64/git' }]);
    await co.add([await file('usr/bin/LICENSE-b', 'same text')]);
    return co.finish();
  }

  it('links only the package hard-link sets, and is deterministic across checkouts', async () => {
    const r1 = await build('root1');
    expect(r1.linkGroups).toEqual([['usr/lib64/git', 'usr/lib64/git-add']]);
    const p1 = await packTemplate(join(tmp.path, 'root1'), { name: 't', formats: ['tar.zst'], outputDir: join(tmp.path, 'out1'), sourceDateEpoch: T + 10, hardLinks: r1.linkGroups });
    const list = execFileSync('tar', ['-tvf', p1.artifacts[0].path], { encoding: 'utf8' });
    expect(list).toMatch(/\.\/usr\/lib64\/git-add link to \.\/usr\/lib64\/git/);
    expect(list).not.toMatch(/LICENSE-b link to/);
    expect(p1.tree.hardlinks).toBe(1);
    // GNU tar's own view of the same tree would link the identical licenses too:
    const naive = await packTemplate(join(tmp.path, 'root1'), { name: 't', formats: ['tar.zst'], outputDir: join(tmp.path, 'naive'), sourceDateEpoch: T + 10 });
    expect(naive.tree.hardlinks).toBe(2);

    const r2 = await build('root2');
    const p2 = await packTemplate(join(tmp.path, 'root2'), { name: 't', formats: ['tar.zst'], outputDir: join(tmp.path, 'out2'), sourceDateEpoch: T + 10, hardLinks: r2.linkGroups });
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(sha(p2.artifacts[0].path)).toBe(sha(p1.artifacts[0].path));
  });
});

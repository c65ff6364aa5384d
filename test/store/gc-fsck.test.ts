// gc keeps what live roots need and frees the rest, waits for builds through the lock;
// fsck finds objects corrupted or chmod-ed through a checkout and missing ones, and the
// CLI exits non-zero listing them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireStoreLock, checkoutTree, fsckStore, gcStore, openStore, pinTemplate, storePaths, unregisterRoot, type Store, type TreeEntry } from '../../cache/index.js';
import { BIN, tempDir } from '../helpers/env.js';

const T = 1_600_000_000;
let tmp: ReturnType<typeof tempDir>;
let storeDir: string;
let store: Store;

async function pkg(tag: string, files: Record<string, string>): Promise<{ sha: string; entries: TreeEntry[] }> {
  const entries: TreeEntry[] = [];
  for (const [path, content] of Object.entries(files)) {
    const r = await store.addBuffer(Buffer.from(content), { mode: 0o644, uid: 0, gid: 0, mtime: T });
    entries.push({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: T, size: r.size, key: r.key });
  }
  const sha = tag.repeat(64);
  await store.putPackageIndex(sha, entries);
  return { sha, entries };
}

/** Look an index up through a short-lived handle (a reader holds the store lock, gc waits). */
async function indexed(sha: string) {
  const s = await openStore(storeDir);
  try {
    return await s.getPackageIndex(sha);
  } finally {
    await s.close();
  }
}

beforeEach(async () => {
  tmp = tempDir('vzbuild-gc-');
  storeDir = join(tmp.path, 'cache', 'store');
  store = await openStore(storeDir);
});
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

describe('gc', () => {
  it('keeps what live checkouts use, frees the rest, forgets dead roots', async () => {
    const a = await pkg('a', { 'x/shared': 'shared by both', 'x/only-a': 'a'.repeat(10000) });
    const b = await pkg('b', { 'x/shared': 'shared by both', 'x/only-b': 'b'.repeat(20000) });
    await store.addBuffer(Buffer.from('loose, never indexed'), { mode: 0o644, uid: 0, gid: 0, mtime: T });
    const co = join(tmp.path, 'co');
    await checkoutTree(store, a.entries, co, { source: { rpmSha256: a.sha } });
    await store.close();

    const dry = await gcStore(storeDir, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, indexes: { kept: 1, removed: 1 }, objects: { kept: 2, removed: 2 } });
    expect(await indexed(b.sha)).toBeDefined();

    const r = await gcStore(storeDir);
    expect(r).toMatchObject({ indexes: { kept: 1, removed: 1 }, objects: { kept: 2, removed: 2 }, roots: { live: 1, removed: [] } });
    expect(r.bytesFreed).toBeGreaterThanOrEqual(20000);
    expect(await indexed(b.sha)).toBeUndefined();
    expect(await indexed(a.sha)).toBeDefined();

    rmSync(co, { recursive: true });
    const r2 = await gcStore(storeDir, { keepIndexes: true });
    expect(r2).toMatchObject({ roots: { live: 0, removed: [co] }, indexes: { kept: 1 }, objects: { removed: 0 } });
    // a pinned template keeps its packages without any checkout
    await pinTemplate(store.rootsDir, 'centos-7-x86_64', [{ rpmSha256: a.sha, importer: 'rpm-1' }]);
    expect(await gcStore(storeDir)).toMatchObject({ roots: { live: 1 }, indexes: { kept: 1 }, objects: { removed: 0 } });
    await unregisterRoot(store.rootsDir, 'tpl-centos-7-x86_64');
    const r3 = await gcStore(storeDir);
    expect(r3).toMatchObject({ indexes: { removed: 1 }, objects: { kept: 0, removed: 2 } });
    expect(await indexed(a.sha)).toBeUndefined();
  });

  it('waits for builds holding the store, and ignores holders that died', async () => {
    await store.hold();
    await expect(gcStore(storeDir, { lockTimeoutMs: 300 })).rejects.toMatchObject({ code: 'E_STORE_BUSY' });
    await store.close();
    // A crashed build's lock file (dead pid) does not block gc.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(join(storePaths(storeDir).locks, `shared.${dead}.abc`), '');
    await expect(gcStore(storeDir, { lockTimeoutMs: 300 })).resolves.toBeDefined();
    // And a build waits for gc rather than racing it.
    const ex = await acquireStoreLock(storePaths(storeDir).locks, 'exclusive');
    await expect(acquireStoreLock(storePaths(storeDir).locks, 'shared', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'E_STORE_BUSY' });
    await ex.release();
    await (await acquireStoreLock(storePaths(storeDir).locks, 'shared')).release();
  });
});

describe('fsck', () => {
  it('is clean on a good store, finds corruption, chmod through a checkout and missing objects, and repairs', async () => {
    const a = await pkg('a', { f1: 'one', f2: 'two', f3: 'three' });
    const co = join(tmp.path, 'co');
    await checkoutTree(store, a.entries, co, { source: { rpmSha256: a.sha } });
    await store.close();
    expect((await fsckStore(storeDir)).problems).toEqual([]);

    // Contract violations a real root sees: a write and a chmod through hard links.
    writeFileSync(join(co, 'f1'), 'ONE');
    chmodSync(join(co, 'f2'), 0o600);
    rmSync(store.pathOf(a.entries[2].key!));
    const r = await fsckStore(storeDir);
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['corrupt', 'metadata', 'missing']);
    expect(r.problems.find((p) => p.kind === 'metadata')?.detail).toMatch(/mode 600 ≠ 644/);
    expect(r.problems.find((p) => p.kind === 'corrupt')?.detail).toMatch(/:f1/);

    // The CLI lists them and exits non-zero.
    const cli = spawnSync(BIN, ['--cache-dir', join(tmp.path, 'cache'), 'fsck'], { encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/^corrupt: sha256:/m);
    expect(cli.stdout).toMatch(/3 problem\(s\)/);

    const fixed = await fsckStore(storeDir, { repair: true });
    expect(fixed.repaired).toBeGreaterThanOrEqual(3);
    expect(existsSync(store.pathOf(a.entries[0].key!))).toBe(false);
    const after = await fsckStore(storeDir);
    expect(after.problems).toEqual([]);
    expect(after.indexes).toBe(0);
  });

  it('gc CLI reports bytes freed as JSON', async () => {
    await pkg('c', { z: 'zzz' });
    await store.close();
    mkdirSync(join(tmp.path, 'cache'), { recursive: true });
    const cli = spawnSync(BIN, ['--cache-dir', join(tmp.path, 'cache'), '--json', 'gc'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const out = JSON.parse(cli.stdout);
    expect(out).toMatchObject({ indexes: { removed: 1 }, objects: { removed: 1 } });
    expect(typeof out.bytesFreed).toBe('number');
  });
});

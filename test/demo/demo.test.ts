// The README's main job, end to end through the real CLI: the embedded vzdemo distribution is
// written, resolved, fetched, assembled and packed, then deployed as a real LXC container.
// The result is checked with the real rpm (-qa lists exactly the lock, -Va is clean) and by
// what runs inside the container.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, IS_ROOT, tempDir, tools } from '../helpers/env.js';

const run = promisify(execFile);
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const haveAll = IS_ROOT && tools('rpm', 'createrepo_c', 'lxc-start', 'zstd', 'busybox');

describe.skipIf(!haveAll)('vzbuild demo', () => {
  const tmp = tempDir('vzbuild-demo-');
  const state = join(tmp.path, 'state');
  let first: any;

  beforeAll(async () => {
    const { stdout } = await run(BIN, ['--cache-dir', state, '--json', 'demo', '--ctid', `vzdemo-t${process.pid}`], { maxBuffer: 64 << 20 });
    first = JSON.parse(stdout);
  }, 300_000);

  afterAll(async () => {
    await run(BIN, ['--cache-dir', state, 'ct', 'destroy', `vzdemo-t${process.pid}`]).catch(() => undefined);
    tmp.cleanup();
  });

  it('builds a template cache that rpm verifies', () => {
    const cache = first.build.artifacts.find((a: { format: string }) => a.format === 'tar.zst').path;
    const root = join(tmp.path, 'x');
    mkdirSync(root);
    execFileSync('tar', ['--xattrs', '-xpf', cache, '-C', root]);
    const qa = execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME}\n'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    // vzdemo-motd arrives only as a weak dependency; vzdemo-kernel is excluded by the recipe.
    expect(qa).toEqual(['busybox', 'filesystem', 'setup', 'vzdemo-hello', 'vzdemo-init', 'vzdemo-motd', 'vzdemo-release']);
    expect(execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va'], { encoding: 'utf8' })).toBe('');
    // filesystem's lua %pretrans made the usrmove links before anything was unpacked.
    expect(execFileSync('readlink', [join(root, 'lib64')], { encoding: 'utf8' }).trim()).toBe('usr/lib64');
  });

  it('ran the container: its own init, hostname, process tree and scriptlet markers', () => {
    const out = first.container.outputs;
    expect(first.container.driver).toBe('lxc');
    expect(out.hello).toContain(`hello from vzdemo-t${process.pid}.vzdemo`);
    const ps = out.ps.trim().split('\n');
    expect(ps[1]).toMatch(/^\s*1 root\s+init$/);
    // Only the container's processes are visible: init, its respawned sleep, and ps itself.
    expect(ps.length).toBeLessThan(8);
    expect(out['rpm %post markers']).toBe('sh %post ran with 1\nlua %post ran, arg[2]=1\n');
  });

  it('a second run reuses the template (unchanged lock) and still deploys', async () => {
    const { stdout } = await run(BIN, ['--cache-dir', state, '--json', 'demo', '--ctid', `vzdemo-t${process.pid}`], { maxBuffer: 64 << 20 });
    const second = JSON.parse(stdout);
    expect(second.build.upToDate).toBe(true);
    expect(second.build.artifacts[0].path).toBe(first.build.artifacts[0].path);
    expect(sha256(second.build.artifacts[0].path)).toBe(first.build.artifacts[0].sha256);
    expect(second.container.outputs['os-release']).toContain('ID=vzdemo');
  }, 300_000);
});

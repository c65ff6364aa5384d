// Must-show of issue 6 on this machine (mainline kernel, real LXC): a template deploys,
// starts its init, `ct exec -- ps` shows the CT's own process tree, the hostname is the
// CT's, memory and process limits are enforced, stop and destroy leave the template intact.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../builder/context.js';
import { createCt, destroyCt, execCt, listCts, startCt, statusCt, stopCt, type CtEnv } from '../../kernel/ct/index.js';
import type { PrivateMode } from '../../kernel/ct/record.js';
import { BIN, IS_ROOT, tempDir, tools } from '../helpers/env.js';
import { makeBusyboxTemplate } from './busybox-template.js';

const run = promisify(execFile);
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const canRun = IS_ROOT && tools('lxc-start', 'lxc-attach', 'lxc-info', 'busybox', 'chattr', 'tar');

describe.skipIf(!canRun)('deploying a template with LXC', () => {
  const t = tempDir('vzbuild-lxc-');
  const env: CtEnv = { cacheDir: join(t.path, 'state'), cwd: t.path, log: silentLogger };
  // cgroup names (lxc.payload.<name>) are host-wide: make CTIDs unique per run.
  const id = (s: string) => `vzt${process.pid}${s}`;
  let cache = '';
  let cacheSha = '';
  const ubc = join(t.path, 'limits.conf');

  beforeAll(() => {
    cache = makeBusyboxTemplate(t.path);
    cacheSha = sha(cache);
    // 64 MiB of RAM and 20 processes, written as a vzctl config.
    writeFileSync(ubc, '# test limits\nPHYSPAGES="0:64M"\nNUMPROC="20:20"\n');
  });

  afterAll(async () => {
    for (const r of await listCts(env).catch(() => [])) await destroyCt(r.ctid, env).catch(() => undefined);
    for (const m of ['o', 'c', 'h', 'x', 'f', 'cli']) await run('lxc-stop', ['-n', id(m), '-P', join(env.cacheDir, 'containers'), '-k']).catch(() => undefined);
    // The hardlink tree's shared files are immutable by design; lift that to clean up.
    const trees = join(env.cacheDir, 'containers/.trees');
    if (existsSync(trees)) await run('find', [trees, '-type', 'f', '-exec', 'chattr', '-i', '{}', '+']).catch(() => undefined);
    t.cleanup();
  });

  const modes: Array<[PrivateMode, string]> = [['overlay', 'o'], ['copy', 'c'], ['hardlink', 'h']];
  describe.each(modes)('private area %s', (mode, tag) => {
    const ct = id(tag);
    it('creates, starts its init, and runs commands in its own process tree', async () => {
      const r = await createCt({ ctid: ct, template: cache, host: 'lxc', private: mode, hostname: `${ct}.test`, ubcConf: ubc }, env);
      expect(r.record).toMatchObject({ driver: 'lxc', private: mode });
      expect(existsSync(join(r.record.root, 'bin/busybox'))).toBe(true);
      await startCt(ct, {}, env);
      const st = await statusCt(ct, env);
      expect(st).toMatchObject({ state: 'running', driver: 'lxc', private: mode, mounted: true });
      const ps = await execCt(ct, ['ps'], env);
      const lines = ps.stdout.trim().split('\n').slice(1);
      expect(lines[0]).toMatch(/^\s*1\s+\S+\s+init$/); // PID 1 is the template's init
      expect(ps.stdout).toContain('/bin/sleep 100000'); // started by its inittab
      expect(lines.length).toBeLessThan(6); // nothing of the host's process tree
      expect((await execCt(ct, ['hostname'], env)).stdout.trim()).toBe(`${ct}.test`);
    });

    it('enforces the memory limit (PHYSPAGES → memory cgroup)', async () => {
      expect((await execCt(ct, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=8M', 'count=1'], env)).code).toBe(0);
      const big = await execCt(ct, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1'], env);
      expect(big.code).toBe(137); // OOM-killed inside its cgroup
    });

    it('enforces the process limit (NUMPROC → pids.max)', async () => {
      const few = await execCt(ct, ['sh', '-c', 'for i in 1 2 3 4 5; do sleep 1 >/dev/null 2>&1 & done; wait; echo ok'], env);
      expect(few.stdout.trim()).toBe('ok');
      // 40 background sleeps against a limit of 20 tasks: the shell dies on the first fork
      // that fails; the sleeps that did start end after 2 s and init reaps them.
      const many = await execCt(ct, ['sh', '-c', 'i=0; while [ $i -lt 40 ]; do sleep 2 >/dev/null 2>&1 & i=$((i+1)); done; wait; echo done'], env);
      expect(many.stderr).toMatch(/can't fork/);
      expect(many.stdout).not.toContain('done');
      const cg = (key: string) => run('lxc-cgroup', ['-n', ct, '-P', join(env.cacheDir, 'containers'), key]).then((r) => Number(r.stdout.trim()));
      expect(await cg('pids.max')).toBe(20);
      for (let i = 0; i < 100 && (await cg('pids.current')) > 5; i++) await new Promise((r) => setTimeout(r, 100));
    });

    if (mode === 'hardlink') {
      it('keeps shared files read-only inside the container', async () => {
        const w = await execCt(ct, ['sh', '-c', 'echo x >> /bin/busybox; rm -f /bin/busybox; touch /etc/mine && echo etc-ok'], env);
        expect(w.stderr).toMatch(/Operation not permitted/);
        expect(w.stdout).toContain('etc-ok');
        const rec = await statusCt(ct, env);
        expect(sha(join(rec.root, 'bin/busybox'))).toBe(sha('/bin/busybox'));
      });
    }
    if (mode === 'overlay') {
      it('writes go to the CT\'s upper dir, never the shared tree', async () => {
        await execCt(ct, ['sh', '-c', 'echo mine > /bin/newfile; echo changed > /etc/inittab.local'], env);
        const base = join(env.cacheDir, 'containers', ct);
        expect(readFileSync(join(base, 'private/upper/bin/newfile'), 'utf8')).toBe('mine\n');
        const trees = join(env.cacheDir, 'containers/.trees');
        const { stdout } = await run('find', [trees, '-name', 'newfile']);
        expect(stdout).toBe('');
      });
    }

    it('stops and is destroyed, leaving the template and shared tree intact', async () => {
      await stopCt(ct, { timeoutS: 5 }, env);
      expect((await statusCt(ct, env)).state).toBe('stopped');
      const rec = await destroyCt(ct, env);
      expect(existsSync(join(env.cacheDir, 'containers', ct))).toBe(false);
      expect(sha(cache)).toBe(cacheSha);
      if (rec.lower) expect(sha(join(rec.lower, 'bin/busybox'))).toBe(sha('/bin/busybox'));
      await expect(statusCt(ct, env)).rejects.toMatchObject({ code: 'E_NO_CT' });
    });
  });

  it('refuses a template whose glibc needs a newer kernel, unless --force', async () => {
    // Patch a copy of the real libc's ABI tag to "Linux 99.0.0".
    const libc = readFileSync('/lib/x86_64-linux-gnu/libc.so.6');
    const out = execAbiPatch(libc, [99, 0, 0]);
    const bad = makeBusyboxTemplate(t.path, 'future.tar.gz', (root) => {
      mkdirSync(join(root, 'lib64'), { recursive: true });
      writeFileSync(join(root, 'lib64/libc.so.6'), out);
    });
    await expect(createCt({ ctid: id('x'), template: bad, host: 'lxc', private: 'overlay' }, env)).rejects.toThrow(/needs Linux ≥ 99\.0\.0 \(its ELF ABI tag\)/);
    expect(existsSync(join(env.cacheDir, 'containers', id('x')))).toBe(false);
    const forced = await createCt({ ctid: id('f'), template: bad, host: 'lxc', private: 'copy', force: true }, env);
    expect(forced.compat.ok).toBe(false);
    await destroyCt(id('f'), env);
  });

  it('works end to end through the CLI', async () => {
    const ct = id('cli');
    const e = { ...process.env, VZBUILD_CACHE_DIR: env.cacheDir };
    const cli = (...a: string[]) => run(BIN, a, { env: e });
    await cli('ct', 'create', ct, '--template', cache, '--host', 'lxc', '--private', 'copy', '--hostname', 'clihost', '--ubc', ubc);
    await cli('ct', 'start', ct);
    expect((await cli('ct', 'exec', ct, '--', 'hostname')).stdout.trim()).toBe('clihost');
    const status = JSON.parse((await cli('--json', 'ct', 'status', ct)).stdout);
    expect(status).toMatchObject({ ctid: ct, state: 'running', driver: 'lxc', private: 'copy', root: join(env.cacheDir, 'containers', ct, 'private') });
    await expect(cli('ct', 'exec', ct, '--', 'false')).rejects.toMatchObject({ code: 1 });
    expect((await cli('ct', 'list')).stdout).toContain(ct);
    await cli('ct', 'stop', ct, '--kill');
    await cli('ct', 'destroy', ct);
    await expect(cli('ct', 'status', ct)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('E_NO_CT') });
  });
});

/** Rewrite the version words of the NT_GNU_ABI_TAG note in an ELF image (little-endian x86-64). */
function execAbiPatch(elf: Buffer, v: [number, number, number]): Buffer {
  const out = Buffer.from(elf);
  // The note: namesz=4, descsz=16, type=1, "GNU\0", then os, major, minor, patch.
  const needle = Buffer.from([4, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0x47, 0x4e, 0x55, 0]);
  const at = out.indexOf(needle);
  if (at < 0) throw new Error('no ABI tag note in libc');
  v.forEach((x, i) => out.writeUInt32LE(x, at + 20 + i * 4));
  return out;
}

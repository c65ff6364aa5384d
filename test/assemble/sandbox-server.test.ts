// The sandbox session's command server (kernel/sandbox-server.ts), against real bwrap and
// perl on a root whose only program is a static busybox: what a command gets (argv and
// environment byte for byte, stdin, cwd, a session of its own) and what we get back
// (stdout and stderr apart and capped, exit codes, signals as 128+N), and what must never
// outlive a command (timeouts, aborts, strays) or a session (a script killing everything
// it can see). Security regressions for issue 5.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptletRunner } from '../../builder/assemble/scriptlets.js';
import { encodeRequest, SERVER_NAMESPACES, startCommandServer } from '../../kernel/sandbox-server.js';
import { openSandboxSession, type SandboxSession } from '../../kernel/sandbox-session.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';
import { busyboxRoot } from './fixtures.js';

describe('command server requests', () => {
  it('refuses what exec(2) could not carry instead of changing it', () => {
    expect(() => encodeRequest(1, { argv: ['/bin/echo', 'a\0b'], env: {} })).toThrow(/NUL/);
    expect(() => encodeRequest(1, { argv: ['/bin/true'], env: { 'A=B': 'x' } })).toThrow(/environment name/);
    expect(() => encodeRequest(1, { argv: [], env: {} })).toThrow(/empty argv/);
  });
});

const canRun = IS_ROOT && tools('bwrap', 'nsenter', 'setsid', 'busybox', 'perl');

/** Names of the processes a command inside sees, by pid, itself excluded (shell builtins only). */
const PS = 'for d in /proc/[0-9]*; do [ "${d#/proc/}" = $$ ] || { read c <$d/comm && while read k v _; do [ "$k" = State: ] && break; done <$d/status && [ "$v" != Z ] && printf "%s " "$c"; }; done 2>/dev/null; echo';
// (Zombies are skipped: what a command leaves is killed, and the holder, as the namespace's
// init, never reaps it; a zombie runs nothing.)

describe.skipIf(!canRun)('sandbox command server', () => {
  let tmp: ReturnType<typeof tempDir>;
  let root: string;
  let s: SandboxSession;
  beforeAll(async () => {
    tmp = tempDir('vzbuild-server-');
    root = join(tmp.path, 'root');
    busyboxRoot(root, ['sh', 'yes', 'sleep', 'cat', 'env', 'head', 'kill', 'grep', 'sort', 'tr', 'setsid', 'ln', 'printf']);
    s = await openSandboxSession({ root, maxOutput: 1 << 20 });
  });
  afterAll(async () => {
    await s?.close();
    tmp?.cleanup();
  });

  it('runs every command through the server', () => {
    expect(s.via).toBe('server');
  });

  it('refuses to serve namespaces other than the ones the session started with (a holder pid now someone else’s)', async () => {
    const stale = Object.fromEntries(SERVER_NAMESPACES.map((n) => [n, `${n}:[1]`])) as Parameters<typeof startCommandServer>[1];
    await expect(startCommandServer(process.pid, stale, { PATH: process.env.PATH })).rejects.toMatchObject({ code: 'E_SANDBOX', message: expect.stringContaining('no longer the process') });
  });

  it('fails to start where there is no perl', async () => {
    const links = Object.fromEntries(SERVER_NAMESPACES.map((n) => [n, `${n}:[1]`])) as Parameters<typeof startCommandServer>[1];
    await expect(startCommandServer(process.pid, links, { PATH: join(tmp.path, 'nowhere') })).rejects.toMatchObject({ code: 'E_SANDBOX' });
  });

  it('passes argv and the environment byte for byte (no shell in between)', async () => {
    const args = ['two words', `it's "quoted"`, 'line\nbreak', '$HOME `id` $(id)', '*', '', ' ', '\\', 'é ☃', '-e', '=x='];
    const r = await s.run({ argv: ['/bin/sh', '-c', 'for a; do printf "[%s]\\n" "$a"; done', 'sh', ...args] });
    expect(r).toEqual({ code: 0, stdout: args.map((a) => `[${a}]\n`).join(''), stderr: '' });
    const env = { PATH: '/bin', ODD: 'a b=c\nd $x *', EMPTY: '', 'DOT.TED': 'ok' };
    const e = await s.run({ argv: ['env'], env });
    expect(e.stdout).toBe(Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
    const d = await s.run({ argv: ['/bin/sh', '-c', 'pwd; echo "$PATH|$HOME|$LANG|$RPM_INSTALL_PREFIX"'] });
    expect(d.stdout).toBe('/\n/sbin:/bin:/usr/sbin:/usr/bin:/usr/X11R6/bin|/root|C|/\n');
  });

  it('feeds stdin and keeps stdout and stderr apart, capped', async () => {
    const big = 'x'.repeat(300_000) + '\n';
    const r = await s.run({ argv: ['/bin/sh', '-c', 'echo err1 >&2; cat; echo err2 >&2; echo end'], input: big });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${big}end\n`);
    expect(r.stderr).toBe('err1\nerr2\n');
    // No input: stdin is at EOF at once.
    expect((await s.run({ argv: ['cat'] })).stdout).toBe('');
    // 3 MiB to a 1 MiB cap: the command still completes, the rest is dropped.
    const capped = await s.run({ argv: ['/bin/sh', '-c', 'head -c 3145728 /dev/zero; echo done >&2'] });
    expect(capped.code).toBe(0);
    expect(capped.stdout.length).toBeGreaterThanOrEqual(1 << 20);
    expect(capped.stdout.length).toBeLessThan(3 << 20);
    expect(capped.stderr).toBe('done\n');
  });

  it('reports exit codes, signals as 128+N, and programs that cannot run', async () => {
    for (const c of [0, 1, 7, 255]) expect((await s.run({ argv: ['/bin/sh', '-c', `exit ${c}`] })).code).toBe(c);
    expect((await s.run({ argv: ['/bin/sh', '-c', 'kill -TERM $$'] })).code).toBe(128 + 15);
    expect((await s.run({ argv: ['/bin/sh', '-c', 'kill -KILL $$'] })).code).toBe(128 + 9);
    const missing = await s.run({ argv: ['/no/such/prog', 'x'] });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('/no/such/prog');
    expect((await s.run({ argv: ['/etc'] })).code).toBe(126);
  });

  it('gives each command a session of its own, and cannot be seen or signalled from inside', async () => {
    const r = await s.run({ argv: ['/bin/sh', '-c', `read pid ppid pgrp sid </proc/self/stat 2>/dev/null; set -- $(cat /proc/$$/stat); echo "$4 $5 $6 $1"; ${PS}`] });
    const [ppid, pgrp, sid, pid] = r.stdout.split('\n')[0].split(' ');
    expect(ppid).toBe('0'); // its parent (the server) is outside the pid namespace
    expect(pgrp).toBe(pid);
    expect(sid).toBe(pid);
    expect(r.stdout.split('\n')[1]).toBe('busybox '); // the holder (init), the command: no perl, no bwrap
  });

  it('kills a command that times out, with everything it started', async () => {
    const t0 = Date.now();
    await expect(s.run({ argv: ['/bin/sh', '-c', 'setsid sleep 30 & sleep 31 & sleep 32'], timeoutMs: 300 })).rejects.toMatchObject({ code: 'E_HOST_CMD', message: expect.stringContaining('timeout 300 ms') });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await s.run({ argv: ['/bin/sh', '-c', PS] })).stdout.trim()).toBe('busybox');
  });

  it('kills an aborted command, with everything it started', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop now')), 200);
    await expect(s.run({ argv: ['/bin/sh', '-c', 'sleep 30 & sleep 31'], signal: ac.signal })).rejects.toThrow('stop now');
    expect((await s.run({ argv: ['/bin/sh', '-c', PS] })).stdout.trim()).toBe('busybox');
    expect(s.alive()).toBe(true);
    // Aborted as soon as asked for: the kill may reach it before it has a group of its own.
    for (let i = 0; i < 6; i++) {
      const now = new AbortController();
      const p = s.run({ argv: ['/bin/sh', '-c', 'sleep 30 & sleep 31'], signal: now.signal });
      if (i % 3 === 0) now.abort(new Error('at once'));
      else if (i % 3 === 1) setImmediate(() => now.abort(new Error('at once')));
      else setTimeout(() => now.abort(new Error('at once')), 1);
      await expect(p).rejects.toThrow('at once');
    }
    expect((await s.run({ argv: ['/bin/sh', '-c', PS] })).stdout.trim()).toBe('busybox');
  });

  it('kills what a command leaves running, even in another session, before the next one starts', async () => {
    const r = await s.run({ argv: ['/bin/sh', '-c', 'setsid sh -c "sleep 1; ln -s / /etc/evil" </dev/null >/dev/null 2>&1 & (sleep 30 &) ; echo started'] });
    expect(r).toMatchObject({ code: 0, stdout: 'started\n' });
    expect((await s.run({ argv: ['/bin/sh', '-c', PS] })).stdout.trim()).toBe('busybox');
    await new Promise((res) => setTimeout(res, 1300));
    expect((await s.run({ argv: ['/bin/sh', '-c', 'ls /etc'] })).stdout).toBe('');
  });

  it('does not wait for output held open by what a command left running', async () => {
    const r = await s.run({ argv: ['/bin/sh', '-c', 'sleep 30 & echo bye'], timeoutMs: 20_000 });
    expect(r).toMatchObject({ code: 0, stdout: 'bye\n' });
    // Nor for one that never stops writing to it.
    const y = await s.run({ argv: ['/bin/sh', '-c', 'yes & yes >&2 & exit 3'], timeoutMs: 20_000 });
    expect(y.code).toBe(3);
    expect((await s.run({ argv: ['/bin/sh', '-c', PS] })).stdout.trim()).toBe('busybox');
  });

  it('runs commands one at a time, each with its own output', async () => {
    const rs = await Promise.all([1, 2, 3, 4].map((i) => s.run({ argv: ['/bin/sh', '-c', `sleep 0.0${i}; echo ${i}; ${PS}`] })));
    expect(rs.map((r) => r.stdout)).toEqual([1, 2, 3, 4].map((i) => `${i}\nbusybox \n`));
  });

  it('survives a script killing everything it can see, and ends when a script ends the namespace', async () => {
    const doomed = await openSandboxSession({ root });
    expect(doomed.via).toBe('server');
    expect(await doomed.run({ argv: ['/bin/sh', '-c', 'kill -9 -1; echo survived'] })).toMatchObject({ code: 0, stdout: 'survived\n' });
    expect(doomed.alive()).toBe(true);
    const r = await doomed.run({ argv: ['/bin/sh', '-c', '/bin/busybox reboot -f; sleep 5'] }).catch((e: Error) => e);
    expect(r).toMatchObject({ code: 128 + 9 }); // it died with its pid namespace
    for (let i = 0; i < 40 && doomed.alive(); i++) await new Promise((res) => setTimeout(res, 50)); // the holder's exit reaches /proc
    expect(doomed.alive()).toBe(false);
    await expect(doomed.run({ argv: ['/bin/true'] })).rejects.toMatchObject({ code: 'E_SANDBOX_ENDED' });
    await doomed.close();
  });

  it('runs commands without CAP_SYS_PTRACE, so the holder is out of their reach (runSync too)', async () => {
    // /proc/PID/mem needs ptrace-attach access (as PTRACE_ATTACH and process_vm_writev do):
    // root without CAP_SYS_PTRACE is refused it for a process that has the capability.
    const probe = 'grep CapBnd /proc/self/status; if (exec 3</proc/1/mem) 2>/dev/null; then echo "open 1"; else echo "denied 1"; fi';
    const ptraceBit = (out: string) => (BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(out)?.[1]}`) >> 19n) & 1n;
    for (const r of [await s.run({ argv: ['/bin/sh', '-c', probe] }), s.runSync({ argv: ['/bin/sh', '-c', probe] })]) {
      expect(r.code, r.stderr).toBe(0);
      expect(ptraceBit(r.stdout)).toBe(0n);
      expect(r.stdout).toContain('denied 1\n'); // the holder
    }
    // What it guards against: with the capability (nsenter per command), root inside reads them.
    const n = await openSandboxSession({ root, noServer: true });
    try {
      const c = await n.run({ argv: ['/bin/sh', '-c', probe] });
      expect(ptraceBit(c.stdout)).toBe(1n);
      expect(c.stdout).toContain('open 1\n');
    } finally {
      await n.close();
    }
  });

  it('without perl the session does not open, and the scriptlet runner gives each script a bwrap of its own', async () => {
    const bin = join(tmp.path, 'noperl-bin');
    mkdirSync(bin);
    for (const t of ['bwrap', 'busybox', 'nsenter', 'setsid']) symlinkSync(execFileSync('which', [t], { encoding: 'utf8' }).trim(), join(bin, t));
    const path = process.env.PATH;
    process.env.PATH = bin;
    const logs: string[] = [];
    const runner = createScriptletRunner({ root, log: { info: () => undefined, warn: (m: string) => logs.push(m), debug: () => undefined } as never });
    try {
      await expect(openSandboxSession({ root })).rejects.toMatchObject({ code: 'E_SANDBOX', message: expect.stringContaining('perl is not on PATH') });
      const r = await runner.run('p-1-1.noarch', 'post', { prog: ['/bin/sh'], body: 'echo "ran $1"; grep CapBnd /proc/self/status\n' }, [1]);
      expect(r).toMatchObject({ ok: true, exitCode: 0, output: expect.stringContaining('ran 1\n') });
      expect(logs).toEqual([expect.stringContaining('one sandbox each')]);
    } finally {
      process.env.PATH = path;
      await runner.close();
    }
  });

  it('gives the scriptlet runner a new session after a script killed its session', async () => {
    const logs: string[] = [];
    const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`warn: ${m}`), debug: () => undefined };
    const runner = createScriptletRunner({ root, log: log as never });
    try {
      const killer = await runner.run('k-1-1.noarch', 'post', { prog: ['/bin/sh'], body: '/bin/busybox reboot -f\nsleep 5\n' }, [1]);
      expect(killer.ok).toBe(false);
      const next = await runner.run('n-1-1.noarch', 'post', { prog: ['/bin/sh'], body: 'echo "alive $1"; cat\n' }, [1], { stdin: '/usr/lib/x\n' });
      expect(next).toMatchObject({ ok: true, exitCode: 0, output: 'alive 1\n/usr/lib/x\n' });
      expect(logs.filter((l) => l.includes('one sandbox each'))).toEqual([]);
    } finally {
      await runner.close();
    }
  });
});

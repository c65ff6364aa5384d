// The transaction's sandbox session (kernel/sandbox-session.ts), against real bwrap and
// nsenter on a root whose only program is a static busybox: commands run contained as
// runInSandbox runs them, and what a command leaves running is killed when it returns
// (security regression for issue 5: nothing may change the tree behind the checkout).
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterArgv, openSandboxSession, SESSION_BUSYBOX, sessionArgv, type SandboxSession } from '../../kernel/sandbox-session.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';
import { busyboxRoot } from './fixtures.js';

describe('sandbox session argv', () => {
  it('binds busybox into the private /dev, after --dev, and enters every namespace', () => {
    const a = sessionArgv({ root: '/r', busybox: '/bin/busybox' });
    expect(a.indexOf('--ro-bind')).toBeGreaterThan(a.indexOf('--dev'));
    expect(a.slice(a.indexOf('--ro-bind'), a.indexOf('--ro-bind') + 3)).toEqual(['--ro-bind', '/bin/busybox', SESSION_BUSYBOX]);
    expect(a).toEqual(expect.arrayContaining(['--unshare-pid', '--unshare-net', '--die-with-parent', '--new-session', '--clearenv']));
    expect(enterArgv('/usr/bin/nsenter', 42, ['/bin/sh', '-c', 'x'])).toEqual(['/usr/bin/nsenter', '--target', '42', '--mount', '--uts', '--ipc', '--net', '--pid', '--cgroup', '--root', '--wd', '--', '/bin/sh', '-c', 'x']);
  });
});

const canRun = IS_ROOT && tools('bwrap', 'nsenter', 'setsid', 'busybox', 'perl');

describe.skipIf(!canRun)('sandbox session', () => {
  let tmp: ReturnType<typeof tempDir>;
  let root: string;
  let s: SandboxSession;
  beforeAll(async () => {
    tmp = tempDir('vzbuild-session-');
    root = join(tmp.path, 'root');
    busyboxRoot(root, ['sh', 'sleep', 'ln', 'hostname', 'cat', 'pwd']);
    s = await openSandboxSession({ root });
  });
  afterAll(async () => {
    await s?.close();
    tmp?.cleanup();
  });

  it('runs commands inside the root, contained, with exit codes, stdin and a clean environment', async () => {
    const r = await s.run({ argv: ['/bin/sh', '-c', 'pwd; hostname; ls /dev/null; cat /proc/net/dev | grep -c :; echo "$PATH|$HOME|$SECRET"; read x; echo "in:$x"; exit 3'], input: 'hello\n', env: { PATH: '/bin', HOME: '/root' } });
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n')).toEqual(['/', 'localhost.localdomain', '/dev/null', '1', '/bin|/root|', 'in:hello', '']);
    const sync = s.runSync({ argv: ['/bin/sh', '-c', 'cat; exit 5'], input: 'sync' });
    expect(sync).toMatchObject({ code: 5, stdout: 'sync' });
  });

  it('kills what a command leaves running before it returns (no one writes the tree behind the checkout)', async () => {
    const r = await s.run({ argv: ['/bin/sh', '-c', '(sleep 1; ln -s / /etc/evil) >/dev/null 2>&1 & exit 0'] });
    expect(r.code).toBe(0);
    await new Promise((res) => setTimeout(res, 1500));
    expect(existsSync(join(root, 'etc/evil'))).toBe(false);
  });

  it('notices when a script ended the session, and never enters a pid that is no longer its holder', async () => {
    const doomed = await openSandboxSession({ root });
    expect(doomed.alive()).toBe(true);
    // The holder is the namespace's init (pid 1 inside): signals from inside do not reach it.
    expect(await doomed.run({ argv: ['/bin/sh', '-c', 'kill -9 1; kill -9 -1; echo alive'] })).toMatchObject({ code: 0, stdout: 'alive\n' });
    expect(doomed.alive()).toBe(true);
    // reboot(2) inside a pid namespace kills its init, and the namespace with it.
    await doomed.run({ argv: ['/bin/busybox', 'reboot', '-f'] }).catch(() => undefined);
    await new Promise((res) => setTimeout(res, 200));
    expect(doomed.alive()).toBe(false);
    await expect(doomed.run({ argv: ['/bin/true'] })).rejects.toMatchObject({ code: 'E_SANDBOX_ENDED' });
    await doomed.close();
  });

  it('enters with nsenter per command where the command server is not wanted (its fallback)', async () => {
    const n = await openSandboxSession({ root, noServer: true });
    try {
      expect(n.via).toBe('nsenter');
      expect(await n.run({ argv: ['/bin/sh', '-c', 'cat; pwd; exit 4'], input: 'in\n' })).toEqual({ code: 4, stdout: 'in\n/\n', stderr: '' });
      expect(n.runSync({ argv: ['/bin/sh', '-c', 'hostname'] })).toMatchObject({ code: 0, stdout: 'localhost.localdomain\n' });
    } finally {
      await n.close();
    }
  });

  it('leaves nothing of itself in the root', async () => {
    const other = await openSandboxSession({ root });
    await other.run({ argv: ['/bin/sh', '-c', 'true'] });
    await other.close();
    expect(lstatSync(join(root, 'dev')).isDirectory()).toBe(true);
    expect(readdirSync(join(root, 'dev'))).toEqual([]);
    await expect(other.run({ argv: ['/bin/true'] })).rejects.toMatchObject({ code: 'E_SANDBOX_ENDED' });
  });
});

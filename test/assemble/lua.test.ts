import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLuaRuntime, type LuaRuntime } from '../../builder/assemble/lua/runtime.js';
import { DEFAULT_MACROS } from '../../builder/assemble/lua/macros.js';
import { parseMode, modeString } from '../../builder/assemble/lua/posix.js';
import { runInSandboxSync, SCRIPTLET_ENV } from '../../kernel/sandbox.js';
import { tempDir, tools } from '../helpers/env.js';

describe('rpm <lua> scriptlets', () => {
  let dir: ReturnType<typeof tempDir>;
  let root: string;
  let rt: LuaRuntime;
  beforeEach(() => {
    dir = tempDir();
    root = join(dir.path, 'root');
    mkdirSync(root);
    rt = createLuaRuntime({
      root,
      env: SCRIPTLET_ENV,
      macros: DEFAULT_MACROS,
      exec: (argv) => {
        const r = runInSandboxSync({ root, argv });
        return { code: r.code, output: r.stdout + r.stderr };
      },
    });
  });
  afterEach(() => {
    rt.close();
    dir.cleanup();
  });

  it("runs filesystem's usrmove %pretrans inside the root", () => {
    const r = rt.run(
      ['posix.mkdir("/usr")', 'posix.mkdir("/usr/lib64")', 'if not posix.stat("/lib64") then posix.symlink("usr/lib64", "/lib64") end', 'assert(posix.stat("/lib64", "type") == "directory")'].join('\n'),
      ['<lua>'],
      'filesystem-pretrans',
    );
    expect(r).toMatchObject({ ok: true });
    expect(readlinkSync(join(root, 'lib64'))).toBe('usr/lib64');
  });

  it('writes files with io.open relative to the root, gets arg and rpm helpers', () => {
    mkdirSync(join(root, 'var/lib/stubpost'), { recursive: true });
    const r = rt.run(
      'local f = io.open("/var/lib/stubpost/x", "w")\nf:write(arg[2], " ", rpm.vercmp("1.0-1", "1.0-2"), " ", rpm.expand("%{_libdir}"), "\\n")\nf:close()\nprint("done", #arg)',
      ['<lua>', 1],
      'post',
    );
    expect(r).toEqual({ ok: true, output: 'done\t2\n', error: undefined });
    expect(readFileSync(join(root, 'var/lib/stubpost/x'), 'utf8')).toBe('1 -1 /usr/lib64\n');
  });

  it('keeps hostile paths inside the root', () => {
    symlinkSync('/', join(root, 'up'));
    symlinkSync('../../../../../..', join(root, 'rel'));
    const r = rt.run(
      'posix.mkdir("/up/../../etc")\nlocal f = assert(io.open("/rel/etc/planted", "w"))\nf:write("x")\nf:close()\nassert(io.open("/up/etc/planted")):close()\nos.remove("/../../x")',
      ['<lua>'],
      'hostile',
    );
    expect(r.ok).toBe(true);
    expect(existsSync(join(root, 'etc/planted'))).toBe(true);
    expect(existsSync('/etc/planted')).toBe(false);
  });

  it('reports Lua errors and failed loads with their message', () => {
    expect(rt.run('error("boom")', ['<lua>'], 'x')).toMatchObject({ ok: false, error: expect.stringContaining('boom') });
    expect(rt.run('this is not lua', ['<lua>'], 'x')).toMatchObject({ ok: false });
    expect(rt.run('os.exit(1)', ['<lua>'], 'x')).toMatchObject({ ok: false });
  });

  it('cannot read host files through dofile or io', () => {
    const r = rt.run('local f = io.open("/etc/hostname") assert(f == nil) local ok = pcall(dofile, "/etc/passwd") assert(not ok)', ['<lua>'], 'x');
    expect(r).toMatchObject({ ok: true });
  });

  it.skipIf(!tools('bwrap', 'busybox'))('runs programs in the sandbox through rpm.execute and the fork/exec pattern', () => {
    mkdirSync(join(root, 'bin'));
    copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
    symlinkSync('busybox', join(root, 'bin/sh'));
    const r = rt.run(
      'assert(rpm.execute("/bin/sh", "-c", "echo ran > /ran"))\nlocal pid = posix.fork()\nif pid == 0 then assert(posix.exec("/bin/sh", "-c", "echo child > /child")) elseif pid > 0 then posix.wait(pid) end\nlocal ok = rpm.execute("/bin/sh", "-c", "exit 3")\nassert(ok == nil)',
      ['<lua>'],
      'x',
    );
    expect(r).toMatchObject({ ok: true });
    expect(readFileSync(join(root, 'ran'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(root, 'child'), 'utf8')).toBe('child\n');
    expect(lstatSync(join(root, 'proc')).isDirectory()).toBe(true);
  });
});

describe('posix mode helpers', () => {
  it.each([
    ['0755', 0, 0o755],
    ['rwxr-x---', 0, 0o750],
    ['u+x', 0o644, 0o744],
    ['go-w', 0o666, 0o644],
    ['a=r', 0o777, 0o444],
  ])('%s from %o', (spec, cur, want) => expect(parseMode(spec, cur)).toBe(want));
  it('formats like ls', () => expect(modeString(0o4755)).toBe('rwsr-xr-x'));
});

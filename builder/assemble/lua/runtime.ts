// rpm's built-in Lua interpreter for `-p <lua>` scriptlets and triggers, in process
// (fengari: Lua 5.3 in JS). One state per transaction, as rpm keeps one, with rpm's
// `posix` and `rpm` modules and an `io`/`os` whose paths are root paths (rpm runs these
// after chroot). Anything that must run a program (rpm.execute, posix.exec, os.execute)
// goes to the sandbox through `exec`. Host files are never reachable: dofile/loadfile
// and require read from the root, fengari's host-side io/os functions are replaced.
import * as fs from 'node:fs';
import { compareEvr, parseEvr } from '../../rpm/vercmp.js';
import { rootedFs, type RootedFs } from '../rooted-fs.js';
import { fengari, type LuaFn, type LuaState } from './fengari.js';
import { posixModule } from './posix.js';
import { expandMacros } from './macros.js';
import { IO_PRELUDE } from './prelude.js';

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

export interface LuaHost {
  fs: RootedFs;
  env: Record<string, string>;
  cwd: string;
  umask: number;
  forked: boolean;
  /** Run argv in the sandboxed root; returns the exit code (output is appended to the scriptlet's). */
  exec(argv: string[]): number;
}

export interface LuaRunResult {
  ok: boolean;
  output: string;
  error?: string;
}

export interface LuaRuntime {
  /** Run one scriptlet body; `args` becomes the `arg` table (arg[1] = "<lua>", arg[2] = $1, ...). */
  run(body: string, args: (string | number)[], chunkName: string): LuaRunResult;
  macros: Map<string, string>;
  close(): void;
}

export interface LuaRuntimeOptions {
  root: string;
  env: Record<string, string>;
  /** Run argv inside the root (sandboxed), synchronously; returns exit code and output. */
  exec(argv: string[]): { code: number; output: string };
  macros?: Record<string, string>;
}

interface OpenFile {
  fd?: number;
  buf?: Buffer;
  pos: number;
}

export function createLuaRuntime(o: LuaRuntimeOptions): LuaRuntime {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  let out: string[] = [];
  const macros = new Map(Object.entries(o.macros ?? {}));
  const files = new Map<number, OpenFile>();
  let nextFd = 3;
  const host: LuaHost = {
    fs: rootedFs(o.root),
    env: { ...o.env },
    cwd: '/',
    umask: 0o022,
    forked: false,
    exec(argv) {
      const r = o.exec(argv);
      if (r.output) out.push(r.output);
      return r.code;
    },
  };
  // JS exceptions become Lua errors (so pcall in scripts and our own pcall see them).
  const wrap = (f: LuaFn): LuaFn => (S) => {
    try {
      return f(S);
    } catch (e) {
      if (e instanceof Error) return lauxlib.luaL_error(S, to_luastring(e.message));
      throw e;
    }
  };
  const setTable = (name: string, fns: Record<string, LuaFn>, existing = false) => {
    if (existing) lua.lua_getglobal(L, to_luastring(name));
    else lua.lua_newtable(L);
    for (const [k, f] of Object.entries(fns)) {
      lua.lua_pushjsfunction(L, wrap(f));
      lua.lua_setfield(L, -2, to_luastring(k));
    }
    lua.lua_setglobal(L, to_luastring(name));
  };
  const str = (S: LuaState, i: number) => to_jsstring(lauxlib.luaL_checkstring(S, i));
  const readRoot = (p: string) => fs.readFileSync(host.fs.host(p, true, host.cwd));

  setTable('posix', posixModule(host));
  setTable('rpm', {
    expand: (S) => (lua.lua_pushliteral(S, expandMacros(str(S, 1), macros)), 1),
    define: (S) => {
      const m = /^\s*(\S+?)(\(\S*\))?\s+([\s\S]*)$/.exec(str(S, 1));
      if (m) macros.set(m[1], m[3]);
      return 0;
    },
    undefine: (S) => (macros.delete(str(S, 1)), 0),
    isdefined: (S) => (lua.lua_pushboolean(S, macros.has(str(S, 1).replace(/^%?\{?|\}$/g, ''))), 1),
    vercmp: (S) => (lua.lua_pushinteger(S, Math.sign(compareEvr(parseEvr(str(S, 1)), parseEvr(str(S, 2))))), 1),
    execute: (S) => {
      const argv: string[] = [];
      for (let i = 1; i <= lua.lua_gettop(S); i++) argv.push(lua.lua_tojsstring(S, i));
      const code = host.exec(argv);
      if (code === 0) {
        lua.lua_pushinteger(S, 0);
        return 1;
      }
      lua.lua_pushnil(S);
      lua.lua_pushliteral(S, `exit code ${code}`);
      lua.lua_pushinteger(S, code);
      return 3;
    },
    interactive: (S) => lauxlib.luaL_error(S, to_luastring('rpm.interactive is not available in scriptlets')),
  });
  // Primitives under the Lua-side io library (prelude.ts).
  setTable('__vzio', {
    open: (S) => {
      const p = str(S, 1);
      const mode = lauxlib.luaL_optstring(S, 2, to_luastring('r'));
      const m = to_jsstring(mode!).replace('b', '');
      try {
        const hp = host.fs.host(p, true, host.cwd);
        const f: OpenFile = m === 'r' ? { buf: fs.readFileSync(hp), pos: 0 } : { fd: fs.openSync(hp, m === 'r+' ? 'r+' : m.startsWith('a') ? 'a' : 'w', 0o666 & ~host.umask), pos: 0 };
        const id = nextFd++;
        files.set(id, f);
        lua.lua_pushinteger(S, id);
        return 1;
      } catch (e) {
        lua.lua_pushnil(S);
        lua.lua_pushliteral(S, `${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
        lua.lua_pushinteger(S, 2);
        return 3;
      }
    },
    write: (S) => {
      const id = lauxlib.luaL_checkinteger(S, 1);
      const data = lauxlib.luaL_checkstring(S, 2);
      if (id < 0) out.push(Buffer.from(data).toString('utf8'));
      else {
        const f = files.get(id);
        if (f?.fd === undefined) return lauxlib.luaL_error(S, to_luastring('file not open for writing'));
        fs.writeSync(f.fd, data);
      }
      return 0;
    },
    read: (S) => {
      const f = files.get(lauxlib.luaL_checkinteger(S, 1));
      const fmt = lua.lua_isnumber(S, 2) ? lua.lua_tointeger(S, 2) : str(S, 2).replace(/^\*/, '');
      if (!f?.buf) return lauxlib.luaL_error(S, to_luastring('file not open for reading'));
      const b = f.buf;
      if (f.pos >= b.length && fmt !== 'a') return (lua.lua_pushnil(S), 1);
      let chunk: Buffer;
      if (typeof fmt === 'number') chunk = b.subarray(f.pos, f.pos + fmt);
      else if (fmt[0] === 'a') chunk = b.subarray(f.pos);
      else if (fmt[0] === 'n') {
        const m = /^\s*[-+]?(0x[0-9a-f]+|\d+\.?\d*(e[-+]?\d+)?)/i.exec(b.subarray(f.pos).toString('latin1'));
        if (!m) return (lua.lua_pushnil(S), 1);
        f.pos += m[0].length;
        lua.lua_pushnumber(S, Number(m[0]));
        return 1;
      } else {
        const nl = b.indexOf(10, f.pos);
        const end = nl < 0 ? b.length : nl;
        chunk = b.subarray(f.pos, fmt[0] === 'L' && nl >= 0 ? end + 1 : end);
        f.pos = nl < 0 ? b.length : nl + 1;
        lua.lua_pushstring(S, new Uint8Array(chunk));
        return 1;
      }
      f.pos += chunk.length;
      lua.lua_pushstring(S, new Uint8Array(chunk));
      return 1;
    },
    close: (S) => {
      const id = lauxlib.luaL_checkinteger(S, 1);
      const f = files.get(id);
      if (f?.fd !== undefined) fs.closeSync(f.fd);
      files.delete(id);
      return 0;
    },
    remove: (S) => {
      const p = str(S, 1);
      const hp = host.fs.host(p, false, host.cwd);
      try {
        if (fs.lstatSync(hp).isDirectory()) fs.rmdirSync(hp);
        else fs.unlinkSync(hp);
        lua.lua_pushboolean(S, true);
        return 1;
      } catch (e) {
        lua.lua_pushnil(S);
        lua.lua_pushliteral(S, `${p}: ${(e as Error).message}`);
        return 2;
      }
    },
    rename: (S) => {
      const a = str(S, 1);
      const b = str(S, 2);
      try {
        fs.renameSync(host.fs.host(a, false, host.cwd), host.fs.host(b, false, host.cwd));
        lua.lua_pushboolean(S, true);
        return 1;
      } catch (e) {
        lua.lua_pushnil(S);
        lua.lua_pushliteral(S, `${a}: ${(e as Error).message}`);
        return 2;
      }
    },
    getenv: (S) => {
      const v = host.env[str(S, 1)];
      if (v === undefined) lua.lua_pushnil(S);
      else lua.lua_pushliteral(S, v);
      return 1;
    },
    execute: (S) => {
      if (lua.lua_isnoneornil(S, 1)) return (lua.lua_pushboolean(S, true), 1);
      const code = host.exec(['/bin/sh', '-c', str(S, 1)]);
      if (code === 0) lua.lua_pushboolean(S, true);
      else lua.lua_pushnil(S);
      lua.lua_pushliteral(S, 'exit');
      lua.lua_pushinteger(S, code);
      return 3;
    },
    readfile: (S) => {
      const p = str(S, 1);
      try {
        lua.lua_pushstring(S, new Uint8Array(readRoot(p)));
        return 1;
      } catch (e) {
        lua.lua_pushnil(S);
        lua.lua_pushliteral(S, `cannot open ${p}: ${(e as Error).message}`);
        return 2;
      }
    },
  });
  if (lauxlib.luaL_loadbuffer(L, to_luastring(IO_PRELUDE), null, to_luastring('=vzbuild-prelude')) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
    throw new Error(`lua prelude: ${lua.lua_tojsstring(L, -1)}`);
  }

  return {
    macros,
    run(body, args, chunkName) {
      out = [];
      host.cwd = '/';
      host.forked = false;
      lua.lua_newtable(L);
      args.forEach((a, i) => {
        if (typeof a === 'number') lua.lua_pushinteger(L, a);
        else lua.lua_pushliteral(L, a);
        lua.lua_rawseti(L, -2, i + 1);
      });
      lua.lua_setglobal(L, to_luastring('arg'));
      let status = lauxlib.luaL_loadbuffer(L, to_luastring(body), null, to_luastring(`=${chunkName}`));
      if (status === lua.LUA_OK) status = lua.lua_pcall(L, 0, 0, 0);
      let error: string | undefined;
      if (status !== lua.LUA_OK) {
        error = lua.lua_tojsstring(L, -1) ?? 'unknown Lua error';
        lua.lua_pop(L, 1);
      }
      lua.lua_settop(L, 0);
      for (const [id, f] of files) {
        // A script that forgets f:close(): rpm's Lua would close it at garbage collection.
        if (f.fd !== undefined) fs.closeSync(f.fd);
        files.delete(id);
      }
      const output = out.join('');
      return { ok: error === undefined, output: error ? `${output}${output && !output.endsWith('\n') ? '\n' : ''}lua: ${error}\n` : output, error };
    },
    close() {
      lua.lua_close(L);
    },
  };
}

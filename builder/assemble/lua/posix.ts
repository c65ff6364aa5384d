// rpm's built-in `posix` Lua module (rpm's lposix.c, a luaposix subset), with every path
// taken as a path inside the root, as rpm sees them after chroot(). Results follow
// lposix: 0 (or a value) on success, `nil, "path: message", errno` on failure.
import * as fs from 'node:fs';
import { constants as osc } from 'node:os';
import { lookupId } from '../rooted-fs.js';
import { fengari, type LuaFn, type LuaState } from './fengari.js';
import type { LuaHost } from './runtime.js';

const { lua, lauxlib, to_luastring, to_jsstring } = fengari;

const str = (L: LuaState, i: number) => to_jsstring(lauxlib.luaL_checkstring(L, i));
const optStr = (L: LuaState, i: number): string | undefined => (lua.lua_isnoneornil(L, i) ? undefined : to_jsstring(lauxlib.luaL_checkstring(L, i)));

function fail(L: LuaState, what: string, e: unknown): number {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string') throw e;
  const errno = (osc.errno as Record<string, number>)[err.code] ?? 0;
  lua.lua_pushnil(L);
  lua.lua_pushliteral(L, `${what}: ${err.code === 'ENOENT' ? 'No such file or directory' : err.message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')}`);
  lua.lua_pushinteger(L, errno);
  return 3;
}

function ok(L: LuaState, f: () => void, what: string): number {
  try {
    f();
  } catch (e) {
    return fail(L, what, e);
  }
  lua.lua_pushinteger(L, 0);
  return 1;
}

/** "rwxr-xr-x" as lposix shows modes. */
export function modeString(mode: number): string {
  const r = ['r', 'w', 'x'];
  let s = '';
  for (let i = 8; i >= 0; i--) s += mode & (1 << i) ? r[(8 - i) % 3] : '-';
  const a = s.split('');
  if (mode & 0o4000) a[2] = a[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) a[5] = a[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) a[8] = a[8] === 'x' ? 't' : 'T';
  return a.join('');
}

/** lposix mode arguments: octal ("0755", 493) or "rwxr-xr-x" or symbolic ("u+x,go-w"). */
export function parseMode(spec: string, current: number): number {
  if (/^[0-7]+$/.test(spec)) return parseInt(spec, 8);
  if (/^[r-][w-][xsS-][r-][w-][xsS-][r-][w-][xtT-]$/.test(spec)) {
    let m = 0;
    for (let i = 0; i < 9; i++) if (spec[i] !== '-' && spec[i] !== 'S' && spec[i] !== 'T') m |= 1 << (8 - i);
    if (/[sS]/.test(spec[2])) m |= 0o4000;
    if (/[sS]/.test(spec[5])) m |= 0o2000;
    if (/[tT]/.test(spec[8])) m |= 0o1000;
    return m;
  }
  let m = current & 0o7777;
  for (const clause of spec.split(',')) {
    const c = /^([ugoa]*)([+=-])([rwxst]*)$/.exec(clause);
    if (!c) throw Object.assign(new Error(`bad mode ${spec}`), { code: 'EINVAL' });
    const who = c[1] || 'a';
    let mask = 0;
    for (const w of who) mask |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : w === 'o' ? 0o1007 : 0o7777;
    let bits = 0;
    for (const p of c[3]) bits |= p === 'r' ? 0o444 : p === 'w' ? 0o222 : p === 'x' ? 0o111 : p === 's' ? 0o6000 : 0o1000;
    bits &= mask;
    if (c[2] === '+') m |= bits;
    else if (c[2] === '-') m &= ~bits;
    else m = (m & ~mask) | bits;
  }
  return m;
}

function fileType(st: fs.Stats): string {
  if (st.isFile()) return 'regular';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'link';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

function pushStat(L: LuaState, st: fs.Stats, field?: string): number {
  const t: Record<string, string | number> = {
    mode: modeString(st.mode),
    ino: st.ino,
    dev: st.dev,
    nlink: st.nlink,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
    ctime: Math.floor(st.ctimeMs / 1000),
    type: fileType(st),
    _mode: st.mode & 0o7777,
  };
  const push = (v: string | number) => (typeof v === 'number' ? lua.lua_pushinteger(L, v) : lua.lua_pushliteral(L, v));
  if (field !== undefined) {
    if (!(field in t)) return lauxlib.luaL_error(L, to_luastring(`bad stat field '${field}'`));
    push(t[field]);
    return 1;
  }
  lua.lua_newtable(L);
  for (const [k, v] of Object.entries(t)) {
    push(v);
    lua.lua_setfield(L, -2, to_luastring(k));
  }
  return 1;
}

function idArg(L: LuaState, i: number, h: LuaHost, db: 'passwd' | 'group'): number {
  if (lua.lua_isnoneornil(L, i)) return -1;
  if (lua.lua_isnumber(L, i)) return lua.lua_tointeger(L, i);
  const name = str(L, i);
  const e = lookupId(h.fs, db, name);
  if (!e) throw Object.assign(new Error(`unknown ${db === 'passwd' ? 'user' : 'group'} ${name}`), { code: 'EINVAL' });
  return e.id;
}

export function posixModule(h: LuaHost): Record<string, LuaFn> {
  const host = (p: string, follow: boolean) => h.fs.host(p, follow, h.cwd);
  const m: Record<string, LuaFn> = {
    mkdir: (L) => {
      const p = str(L, 1);
      return ok(L, () => fs.mkdirSync(host(p, false), 0o777 & ~h.umask), p);
    },
    rmdir: (L) => {
      const p = str(L, 1);
      return ok(L, () => fs.rmdirSync(host(p, false)), p);
    },
    unlink: (L) => {
      const p = str(L, 1);
      return ok(L, () => fs.unlinkSync(host(p, false)), p);
    },
    symlink: (L) => {
      const target = str(L, 1);
      const p = str(L, 2);
      return ok(L, () => fs.symlinkSync(target, host(p, false)), p);
    },
    link: (L) => {
      const a = str(L, 1);
      const b = str(L, 2);
      return ok(L, () => fs.linkSync(host(a, false), host(b, false)), b);
    },
    mkfifo: (L) => {
      const p = str(L, 1);
      return ok(L, () => h.exec(['/bin/mkfifo', p]), p);
    },
    readlink: (L) => {
      const p = str(L, 1);
      try {
        lua.lua_pushliteral(L, fs.readlinkSync(host(p, false), 'utf8'));
        return 1;
      } catch (e) {
        return fail(L, p, e);
      }
    },
    stat: (L) => {
      const p = str(L, 1);
      try {
        return pushStat(L, fs.statSync(host(p, true)), optStr(L, 2));
      } catch (e) {
        return fail(L, p, e);
      }
    },
    lstat: (L) => {
      const p = str(L, 1);
      try {
        return pushStat(L, fs.lstatSync(host(p, false)), optStr(L, 2));
      } catch (e) {
        return fail(L, p, e);
      }
    },
    access: (L) => {
      const p = str(L, 1);
      const mode = optStr(L, 2) ?? 'f';
      let bits = fs.constants.F_OK;
      for (const c of mode) bits |= c === 'r' ? fs.constants.R_OK : c === 'w' ? fs.constants.W_OK : c === 'x' ? fs.constants.X_OK : 0;
      return ok(L, () => fs.accessSync(host(p, true), bits), p);
    },
    chmod: (L) => {
      const p = str(L, 1);
      const spec = lua.lua_isnumber(L, 2) ? lua.lua_tointeger(L, 2).toString(8) : str(L, 2);
      return ok(L, () => {
        const hp = host(p, true);
        fs.chmodSync(hp, parseMode(spec, fs.statSync(hp).mode));
      }, p);
    },
    chown: (L) => {
      const p = str(L, 1);
      return ok(L, () => {
        const hp = host(p, true);
        const st = fs.statSync(hp);
        const u = idArg(L, 2, h, 'passwd');
        const g = idArg(L, 3, h, 'group');
        fs.chownSync(hp, u < 0 ? st.uid : u, g < 0 ? st.gid : g);
      }, p);
    },
    utime: (L) => {
      const p = str(L, 1);
      const now = Math.floor(Date.now() / 1000);
      const mt = lauxlib.luaL_optinteger(L, 2, now);
      const at = lauxlib.luaL_optinteger(L, 3, mt);
      return ok(L, () => fs.utimesSync(host(p, true), at, mt), p);
    },
    dir: (L) => {
      const p = optStr(L, 1) ?? '.';
      try {
        const names = ['.', '..', ...fs.readdirSync(host(p, true))];
        lua.lua_newtable(L);
        names.forEach((n, i) => {
          lua.lua_pushliteral(L, n);
          lua.lua_rawseti(L, -2, i + 1);
        });
        return 1;
      } catch (e) {
        return fail(L, p, e);
      }
    },
    files: (L) => {
      const p = optStr(L, 1) ?? '.';
      let names: string[];
      try {
        names = ['.', '..', ...fs.readdirSync(host(p, true))];
      } catch (e) {
        return lauxlib.luaL_error(L, to_luastring(`${p}: ${(e as Error).message}`));
      }
      let i = 0;
      lua.lua_pushjsfunction(L, (L2) => {
        if (i >= names.length) lua.lua_pushnil(L2);
        else lua.lua_pushliteral(L2, names[i++]);
        return 1;
      });
      return 1;
    },
    getcwd: (L) => (lua.lua_pushliteral(L, h.cwd), 1),
    chdir: (L) => {
      const p = str(L, 1);
      try {
        const r = h.fs.resolve(p, true, h.cwd);
        if (!fs.statSync(h.fs.root + r).isDirectory()) throw Object.assign(new Error('Not a directory'), { code: 'ENOTDIR' });
        h.cwd = r;
      } catch (e) {
        return fail(L, p, e);
      }
      lua.lua_pushinteger(L, 0);
      return 1;
    },
    getenv: (L) => {
      if (lua.lua_isnoneornil(L, 1)) {
        lua.lua_newtable(L);
        for (const [k, v] of Object.entries(h.env)) {
          lua.lua_pushliteral(L, v);
          lua.lua_setfield(L, -2, to_luastring(k));
        }
        return 1;
      }
      const v = h.env[str(L, 1)];
      if (v === undefined) lua.lua_pushnil(L);
      else lua.lua_pushliteral(L, v);
      return 1;
    },
    setenv: (L) => {
      const k = str(L, 1);
      const v = optStr(L, 2);
      const over = lua.lua_isnoneornil(L, 3) ? true : lua.lua_toboolean(L, 3);
      if (v === undefined) delete h.env[k];
      else if (over || !(k in h.env)) h.env[k] = v;
      lua.lua_pushinteger(L, 0);
      return 1;
    },
    putenv: (L) => {
      const s = str(L, 1);
      const eq = s.indexOf('=');
      if (eq > 0) h.env[s.slice(0, eq)] = s.slice(eq + 1);
      lua.lua_pushinteger(L, 0);
      return 1;
    },
    umask: (L) => {
      const old = h.umask;
      if (!lua.lua_isnoneornil(L, 1)) h.umask = parseMode(lua.lua_isnumber(L, 1) ? lua.lua_tointeger(L, 1).toString(8) : str(L, 1), 0) & 0o777;
      lua.lua_pushliteral(L, modeString(~old & 0o777));
      return 1;
    },
    getpid: (L) => (lua.lua_pushinteger(L, 1), 1),
    getuid: (L) => (lua.lua_pushinteger(L, 0), 1),
    geteuid: (L) => (lua.lua_pushinteger(L, 0), 1),
    getgid: (L) => (lua.lua_pushinteger(L, 0), 1),
    getegid: (L) => (lua.lua_pushinteger(L, 0), 1),
    getlogin: (L) => (lua.lua_pushliteral(L, 'root'), 1),
    ttyname: (L) => (lua.lua_pushnil(L), 1),
    sleep: (L) => (lua.lua_pushinteger(L, 0), 1),
    getpasswd: (L) => pushDbEntry(L, h, 'passwd'),
    getgroup: (L) => pushDbEntry(L, h, 'group'),
    // No fork in a JS process. The one pattern rpm scriptlets use is
    //   pid = posix.fork(); if pid == 0 then posix.exec(prog, ...) elseif pid > 0 then posix.wait(pid) end
    // so fork() answers 0 ("the child"), exec() runs the program to completion in the
    // sandbox and returns, and the script carries on as the parent would after wait().
    fork: (L) => {
      h.forked = true;
      lua.lua_pushinteger(L, 0);
      return 1;
    },
    exec: (L) => {
      const argv: string[] = [];
      for (let i = 1; i <= lua.lua_gettop(L); i++) argv.push(lua.lua_tojsstring(L, i));
      const r = h.exec(argv);
      h.forked = false;
      if (r !== 0) {
        lua.lua_pushnil(L);
        lua.lua_pushliteral(L, `${argv[0]}: exited with ${r}`);
        return 2;
      }
      lua.lua_pushinteger(L, 0);
      return 1;
    },
    wait: (L) => (lua.lua_pushinteger(L, 1), 1),
    _exit: (L) => (lua.lua_pushinteger(L, 0), 1),
    errno: (L) => (lua.lua_pushliteral(L, 'Success'), lua.lua_pushinteger(L, 0), 2),
    uname: (L) => (lua.lua_pushliteral(L, 'Linux localhost.localdomain'), 1),
  };
  return m;
}

function pushDbEntry(L: LuaState, h: LuaHost, db: 'passwd' | 'group'): number {
  const key = lua.lua_isnumber(L, 1) ? lua.lua_tointeger(L, 1) : str(L, 1);
  const e = lookupId(h.fs, db, key);
  if (!e) {
    lua.lua_pushnil(L);
    return 1;
  }
  const field = optStr(L, 2);
  const t: Record<string, string | number> = db === 'passwd' ? { name: e.name, uid: e.id } : { name: e.name, gid: e.id };
  if (field) {
    const v = t[field];
    if (v === undefined) lua.lua_pushnil(L);
    else if (typeof v === 'number') lua.lua_pushinteger(L, v);
    else lua.lua_pushliteral(L, v);
    return 1;
  }
  lua.lua_newtable(L);
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'number') lua.lua_pushinteger(L, v);
    else lua.lua_pushliteral(L, v);
    lua.lua_setfield(L, -2, to_luastring(k));
  }
  return 1;
}

// The slice of fengari (Lua 5.3 in JS, CommonJS, untyped) the scriptlet runtime uses,
// loaded once with a typed face. Lua strings are byte arrays (Uint8Array).
import { createRequire } from 'node:module';

export type LuaState = { readonly __lua: unique symbol };
export type LuaFn = (L: LuaState) => number;

export interface Fengari {
  to_luastring(s: string): Uint8Array;
  to_jsstring(b: Uint8Array): string;
  lua: {
    LUA_OK: number;
    LUA_TNIL: number;
    LUA_TNUMBER: number;
    LUA_TSTRING: number;
    LUA_TTABLE: number;
    LUA_MULTRET: number;
    lua_pushjsfunction(L: LuaState, f: LuaFn): void;
    lua_pushstring(L: LuaState, s: Uint8Array): void;
    lua_pushliteral(L: LuaState, s: string): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushnil(L: LuaState): void;
    lua_pushvalue(L: LuaState, i: number): void;
    lua_newtable(L: LuaState): void;
    lua_setfield(L: LuaState, i: number, k: Uint8Array): void;
    lua_getfield(L: LuaState, i: number, k: Uint8Array): number;
    lua_rawseti(L: LuaState, i: number, n: number): void;
    lua_setglobal(L: LuaState, k: Uint8Array): void;
    lua_getglobal(L: LuaState, k: Uint8Array): number;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, n: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_type(L: LuaState, i: number): number;
    lua_isnoneornil(L: LuaState, i: number): boolean;
    lua_isinteger(L: LuaState, i: number): boolean;
    lua_isnumber(L: LuaState, i: number): boolean;
    lua_tointeger(L: LuaState, i: number): number;
    lua_tojsstring(L: LuaState, i: number): string;
    lua_tostring(L: LuaState, i: number): Uint8Array | null;
    lua_toboolean(L: LuaState, i: number): boolean;
    lua_pcall(L: LuaState, nargs: number, nres: number, msgh: number): number;
    lua_call(L: LuaState, nargs: number, nres: number): void;
    lua_close(L: LuaState): void;
  };
  lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, b: Uint8Array, sz: number | null, name: Uint8Array): number;
    luaL_checkstring(L: LuaState, i: number): Uint8Array;
    luaL_optstring(L: LuaState, i: number, d: Uint8Array | null): Uint8Array | null;
    luaL_checkinteger(L: LuaState, i: number): number;
    luaL_optinteger(L: LuaState, i: number, d: number): number;
    luaL_error(L: LuaState, msg: Uint8Array): number;
    luaL_traceback(L: LuaState, L1: LuaState, msg: Uint8Array | null, level: number): void;
  };
  lualib: { luaL_openlibs(L: LuaState): void };
}

export const fengari = createRequire(import.meta.url)('fengari') as Fengari;

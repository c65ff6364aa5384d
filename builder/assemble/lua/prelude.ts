// Lua-side io/os for scriptlets, built on the rooted primitives in __vzio (runtime.ts):
// file handles with read/write/lines/close, io.lines, io.write to the scriptlet output,
// os.remove/rename/getenv/execute/exit, dofile/loadfile reading from the root.
export const IO_PRELUDE = String.raw`
local P = __vzio
__vzio = nil
local File = {}
File.__index = File
File.__name = "FILE*"
function File:write(...)
  for i = 1, select('#', ...) do P.write(self.fd, tostring((select(i, ...)))) end
  return self
end
function File:read(fmt) return P.read(self.fd, fmt or "l") end
function File:lines(fmt) return function() return P.read(self.fd, fmt or "l") end end
function File:close() if not self.closed then P.close(self.fd) self.closed = true end return true end
function File:flush() return self end
function File:setvbuf() return true end
function File:seek() return 0 end
File.__tostring = function(f) return "file (" .. tostring(f.fd) .. ")" end
local stdout = setmetatable({ fd = -1 }, File)
local stderr = setmetatable({ fd = -2 }, File)
local out = stdout
io = {
  stdout = stdout, stderr = stderr, stdin = setmetatable({ fd = -3 }, File),
  open = function(path, mode)
    local fd, err, no = P.open(path, mode or "r")
    if not fd then return nil, err, no end
    return setmetatable({ fd = fd }, File)
  end,
  lines = function(path, fmt)
    local f = assert(io.open(path, "r"))
    return function()
      local l = f:read(fmt or "l")
      if l == nil then f:close() end
      return l
    end
  end,
  write = function(...) return out:write(...) end,
  read = function() return nil end,
  close = function(f) if f then return f:close() end return true end,
  type = function(f)
    if getmetatable(f) == File then return f.closed and "closed file" or "file" end
    return nil
  end,
  output = function(f)
    if type(f) == "string" then out = assert(io.open(f, "w")) elseif f then out = f end
    return out
  end,
  input = function() return io.stdin end,
  popen = function() return nil, "io.popen is not available in scriptlets" end,
  tmpfile = function() return nil, "io.tmpfile is not available in scriptlets" end,
}
print = function(...)
  local t = {}
  for i = 1, select('#', ...) do t[#t + 1] = tostring((select(i, ...))) end
  P.write(-1, table.concat(t, "\t") .. "\n")
end
os.remove = P.remove
os.rename = P.rename
os.getenv = P.getenv
os.execute = P.execute
os.exit = function(code) error("os.exit(" .. tostring(code) .. ") called from a scriptlet", 2) end
os.tmpname = function() return "/tmp/lua_" .. tostring(math.random(100000, 999999)) end
loadfile = function(path, mode, env)
  local s, err = P.readfile(path)
  if not s then return nil, err end
  return load(s, "=" .. path, mode, env)
end
dofile = function(path) return assert(loadfile(path))() end
package.path = "/usr/lib/rpm/lua/?.lua"
package.cpath = ""
package.searchers = {
  package.searchers[1],
  function(name)
    local p = "/usr/lib/rpm/lua/" .. name:gsub("%.", "/") .. ".lua"
    local f, err = loadfile(p)
    if not f then return "\n\tno file '" .. p .. "' in the root" end
    return f, p
  end,
}
`;

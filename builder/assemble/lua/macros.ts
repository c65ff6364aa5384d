// rpm.expand for scriptlets: the simple macros a target's rpm defines (paths, %{?name},
// %{!?name:...}, %%), from a table; no shell or Lua expansion. Unknown %{name} stays as
// it is, as rpm leaves undefined macros.
export const DEFAULT_MACROS: Record<string, string> = {
  _prefix: '/usr',
  _exec_prefix: '/usr',
  _bindir: '/usr/bin',
  _sbindir: '/usr/sbin',
  _libdir: '/usr/lib64',
  _lib: 'lib64',
  _libexecdir: '/usr/libexec',
  _datadir: '/usr/share',
  _sysconfdir: '/etc',
  _localstatedir: '/var',
  _sharedstatedir: '/var/lib',
  _mandir: '/usr/share/man',
  _infodir: '/usr/share/info',
  _includedir: '/usr/include',
  _unitdir: '/usr/lib/systemd/system',
  _tmppath: '/var/tmp',
  _dbpath: '/var/lib/rpm',
  _rpmconfigdir: '/usr/lib/rpm',
  _usr: '/usr',
  _var: '/var',
  _arch: 'x86_64',
  _target_cpu: 'x86_64',
  _host_cpu: 'x86_64',
};

export function expandMacros(s: string, macros: Map<string, string>, depth = 0): string {
  if (depth > 16) return s;
  return s.replace(/%%|%\{([?!]*)([\w.]+)(?::([^}]*))?\}|%([A-Za-z_]\w*)/g, (whole, flags: string | undefined, name: string | undefined, alt: string | undefined, bare: string | undefined) => {
    if (whole === '%%') return '%';
    const n = name ?? bare!;
    const v = macros.get(n);
    const neg = !!flags?.includes('!');
    const cond = !!flags?.includes('?');
    if (cond) {
      const defined = v !== undefined;
      if (alt !== undefined) return defined !== neg ? expandMacros(alt, macros, depth + 1) : '';
      return defined && !neg ? expandMacros(v, macros, depth + 1) : '';
    }
    return v === undefined ? whole : expandMacros(v, macros, depth + 1);
  });
}

// The LXC container config vzbuild writes itself (no lxc-create, no LXC templates): root
// filesystem, hostname, no network by default, the cgroup limits mapped from UBC in the key
// family the host's cgroup layout needs (lxc.cgroup.* for v1 controllers, lxc.cgroup2.*
// for the unified hierarchy — LXC ignores the other family), and the per-namespace limits.
// Pure: data in, config text out; argv for the lxc-* tools is built here too.
import type { UbcMapping } from '../ubc/cgroup-map.js';

export interface LxcConfigInput {
  rootfs: string;
  hostname: string;
  init: string[];
  mapping: UbcMapping;
  /** Extra capabilities to drop (hardlink areas drop linux_immutable). */
  capDrop?: string[];
  /** Network: "empty" (loopback only, the default) or "none" (share the host's). */
  net?: 'empty' | 'none';
}

function quoteInit(a: string): string {
  // lxc.init.cmd is split on spaces by LXC; arguments with spaces can't be expressed.
  if (/\s/.test(a)) throw new TypeError(`lxc.init.cmd can't carry an argument with whitespace: ${JSON.stringify(a)}`);
  return a;
}

export function buildLxcConfig(c: LxcConfigInput): string {
  if (/[\n\r]/.test(c.hostname) || /[\n\r]/.test(c.rootfs)) throw new TypeError('newline in hostname or rootfs');
  const prefix = c.mapping.mode === 'v1' ? 'lxc.cgroup' : 'lxc.cgroup2';
  const lines = [
    '# Written by vzbuild; `vzbuild ct destroy` removes it. Do not use lxc-destroy: it would',
    '# delete the rootfs this config points to.',
    `lxc.uts.name = ${c.hostname}`,
    `lxc.rootfs.path = dir:${c.rootfs}`,
    `lxc.net.0.type = ${c.net ?? 'empty'}`,
    `lxc.init.cmd = ${c.init.map(quoteInit).join(' ')}`,
    'lxc.mount.auto = proc:mixed sys:ro cgroup:mixed',
    'lxc.autodev = 1',
    'lxc.tty.max = 1',
    `lxc.cap.drop = ${['sys_module', 'mac_admin', 'mac_override', 'sys_time', 'sys_rawio', ...(c.capDrop ?? [])].join(' ')}`,
  ];
  for (const l of c.mapping.cgroup) lines.push(`${prefix}.${l.key} = ${l.value}`);
  for (const n of c.mapping.namespace) lines.push(`${n.key} = ${n.value}`);
  return lines.join('\n') + '\n';
}

/** argv for the lxc-* tools; the config lives at <lxcpath>/<name>/config. */
export const lxcArgv = {
  start: (name: string, lxcpath: string, logFile: string) => ['lxc-start', '-n', name, '-P', lxcpath, '-d', '-o', logFile, '-l', 'INFO'],
  attach: (name: string, lxcpath: string, cmd: readonly string[]) => [
    'lxc-attach', '-n', name, '-P', lxcpath, '--clear-env',
    '--set-var', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--set-var', 'TERM=linux', '--', ...cmd,
  ],
  stop: (name: string, lxcpath: string, timeoutS: number, kill: boolean) => ['lxc-stop', '-n', name, '-P', lxcpath, ...(kill ? ['-k'] : ['-t', String(timeoutS)])],
  info: (name: string, lxcpath: string) => ['lxc-info', '-n', name, '-P', lxcpath],
  freeze: (name: string, lxcpath: string) => ['lxc-freeze', '-n', name, '-P', lxcpath],
  unfreeze: (name: string, lxcpath: string) => ['lxc-unfreeze', '-n', name, '-P', lxcpath],
  lsRunning: (lxcpath: string) => ['lxc-ls', '-P', lxcpath, '--running', '-1'],
};

export interface LxcInfo {
  state: 'running' | 'stopped' | 'frozen' | 'starting' | 'stopping' | 'unknown';
  pid?: number;
}

/** `lxc-info` text: "State:          RUNNING\nPID:            16019\n...". */
export function parseLxcInfo(text: string): LxcInfo {
  const state = /^State:\s+(\S+)/m.exec(text)?.[1]?.toLowerCase();
  const pid = /^PID:\s+(\d+)/m.exec(text)?.[1];
  const known = ['running', 'stopped', 'frozen', 'starting', 'stopping'] as const;
  return { state: (known as readonly string[]).includes(state ?? '') ? (state as LxcInfo['state']) : 'unknown', ...(pid ? { pid: Number(pid) } : {}) };
}

// The user beancounter (UBC) parameter table: every parameter vzctl knows, its unit, the
// barrier/limit rule vzcfgvalidate checks for it, and how vzctl parses its suffixes.
// Pure data; parsing lives in ./value.ts, checks in ./validate.ts, cgroup mapping in ./cgroup-map.ts.

export const UBC_NAMES = [
  // primary
  'NUMPROC', 'AVNUMPROC', 'NUMTCPSOCK', 'NUMOTHERSOCK', 'VMGUARPAGES',
  // secondary
  'KMEMSIZE', 'TCPSNDBUF', 'TCPRCVBUF', 'OTHERSOCKBUF', 'DGRAMRCVBUF', 'OOMGUARPAGES', 'PRIVVMPAGES',
  // auxiliary
  'LOCKEDPAGES', 'SHMPAGES', 'PHYSPAGES', 'SWAPPAGES', 'NUMFILE', 'NUMFLOCK', 'NUMPTY', 'NUMSIGINFO', 'DCACHESIZE', 'NUMIPTENT',
  // disk quota (vzquota) and CPU
  'DISKSPACE', 'DISKINODES', 'CPUUNITS',
] as const;

export type UbcName = (typeof UBC_NAMES)[number];

/** What one unit of the value is. `kib` = 1 KiB blocks (vzquota's DISKSPACE). */
export type UbcUnit = 'pages' | 'bytes' | 'items' | 'kib' | 'units';
export type UbcClass = 'primary' | 'secondary' | 'auxiliary' | 'disk' | 'cpu';

/**
 * How barrier and limit relate for this parameter (vzcfgvalidate's first group of checks):
 * `equal` barrier = limit; `le` barrier <= limit; `guarantee` limit must be LONG_MAX;
 * `physpages` barrier 0 and limit LONG_MAX (accounting only); `single` a lone number.
 */
export type UbcRule = 'equal' | 'le' | 'guarantee' | 'physpages' | 'single' | 'none';

export interface UbcParam {
  name: UbcName;
  unit: UbcUnit;
  class: UbcClass;
  rule: UbcRule;
  /** vzctl accepts no value for it without this one (vzcfgvalidate's "parameter not found"). */
  required: boolean;
  help: string;
}

const P = (name: UbcName, unit: UbcUnit, cls: UbcClass, rule: UbcRule, required: boolean, help: string): UbcParam => ({
  name, unit, class: cls, rule, required, help,
});

export const UBC_PARAMS: readonly UbcParam[] = [
  P('NUMPROC', 'items', 'primary', 'equal', true, 'processes and threads'),
  P('AVNUMPROC', 'items', 'primary', 'none', false, 'expected average number of processes (sizing hint)'),
  P('NUMTCPSOCK', 'items', 'primary', 'equal', true, 'TCP sockets'),
  P('NUMOTHERSOCK', 'items', 'primary', 'equal', true, 'non-TCP sockets (UNIX, UDP, netlink, ...)'),
  P('VMGUARPAGES', 'pages', 'primary', 'guarantee', true, 'memory allocation guarantee'),
  P('KMEMSIZE', 'bytes', 'secondary', 'le', true, 'unswappable kernel memory'),
  P('TCPSNDBUF', 'bytes', 'secondary', 'le', true, 'TCP send buffers'),
  P('TCPRCVBUF', 'bytes', 'secondary', 'le', true, 'TCP receive buffers'),
  P('OTHERSOCKBUF', 'bytes', 'secondary', 'le', true, 'UNIX and other socket buffers'),
  P('DGRAMRCVBUF', 'bytes', 'secondary', 'le', true, 'datagram receive buffers'),
  P('OOMGUARPAGES', 'pages', 'secondary', 'guarantee', true, 'out-of-memory guarantee'),
  P('PRIVVMPAGES', 'pages', 'secondary', 'le', true, 'allocated (private, writable) memory'),
  P('LOCKEDPAGES', 'pages', 'auxiliary', 'le', false, 'mlock()ed memory'),
  P('SHMPAGES', 'pages', 'auxiliary', 'equal', false, 'IPC shared memory'),
  P('PHYSPAGES', 'pages', 'auxiliary', 'physpages', true, 'resident memory (accounting; the RAM limit in VSwap configs)'),
  P('SWAPPAGES', 'pages', 'auxiliary', 'le', false, 'swap (VSwap kernels)'),
  P('NUMFILE', 'items', 'auxiliary', 'equal', true, 'open files'),
  P('NUMFLOCK', 'items', 'auxiliary', 'le', false, 'file locks'),
  P('NUMPTY', 'items', 'auxiliary', 'equal', true, 'pseudo-terminals'),
  P('NUMSIGINFO', 'items', 'auxiliary', 'equal', false, 'pending siginfo structures'),
  P('DCACHESIZE', 'bytes', 'auxiliary', 'le', true, 'dentry and inode cache'),
  P('NUMIPTENT', 'items', 'auxiliary', 'equal', false, 'netfilter (iptables) entries'),
  P('DISKSPACE', 'kib', 'disk', 'le', false, 'disk space quota (vzquota soft:hard, 1 KiB blocks)'),
  P('DISKINODES', 'items', 'disk', 'le', false, 'disk inode quota (vzquota soft:hard)'),
  P('CPUUNITS', 'units', 'cpu', 'single', false, 'CPU weight (vzctl default 1000)'),
];

export const UBC_BY_NAME: Readonly<Record<UbcName, UbcParam>> = Object.fromEntries(UBC_PARAMS.map((p) => [p.name, p])) as Record<UbcName, UbcParam>;

export function isUbcName(s: string): s is UbcName {
  return (UBC_NAMES as readonly string[]).includes(s);
}

/** LONG_MAX on the 64-bit hosts vzctl runs on: the "unlimited" value. */
export const LONG_MAX = 9223372036854775807n;
/** LONG_MAX of 32-bit kernels, as it shows up in old /proc/user_beancounters dumps. */
export const LONG_MAX_32 = 2147483647n;

export function isUnlimited(v: bigint): boolean {
  return v >= LONG_MAX || v === LONG_MAX_32;
}

/** Bytes per unit, for turning a value into bytes (pages need the host's page size). */
export function unitBytes(unit: UbcUnit, pageSize: number): number | undefined {
  switch (unit) {
    case 'pages':
      return pageSize;
    case 'bytes':
      return 1;
    case 'kib':
      return 1024;
    default:
      return undefined;
  }
}

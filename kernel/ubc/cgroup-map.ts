// What UBC parameters become on a mainline kernel: cgroup v1 or v2 controller files, the
// few per-namespace knobs LXC has (pty count, IPC shmall, per-process rlimits), disk quota
// through project quotas, and — said plainly — the parameters with no equivalent. Pure.
import { isUnlimited, UBC_NAMES, type UbcName } from './params.js';
import type { UbcSet } from './value.js';

export type CgroupMode = 'v1' | 'v2';

export interface CgroupLimit {
  controller: 'memory' | 'pids' | 'cpu';
  /** The controller file, e.g. memory.limit_in_bytes (v1) or memory.max (v2). */
  key: string;
  value: string;
  from: UbcName[];
  note?: string;
}

export interface NamespaceLimit {
  /** An LXC key (lxc.pty.max, lxc.sysctl.kernel.shmall, lxc.prlimit.memlock, ...). */
  key: string;
  value: string;
  from: UbcName[];
  note: string;
}

export interface UbcMapping {
  mode: CgroupMode;
  cgroup: CgroupLimit[];
  namespace: NamespaceLimit[];
  /** DISKSPACE (1 KiB blocks) and DISKINODES as soft/hard quota values, if set. */
  disk?: { spaceSoftKiB?: bigint; spaceHardKiB?: bigint; inodesSoft?: bigint; inodesHard?: bigint };
  unmapped: Array<{ param: UbcName; reason: string }>;
}

const NO_EQUIVALENT: Partial<Record<UbcName, string>> = {
  AVNUMPROC: 'a sizing hint only, enforced nowhere (not even by OpenVZ)',
  NUMTCPSOCK: 'no per-cgroup socket count on mainline kernels',
  NUMOTHERSOCK: 'no per-cgroup socket count on mainline kernels',
  OTHERSOCKBUF: 'socket buffers are charged to the memory controller, not limited separately',
  DGRAMRCVBUF: 'socket buffers are charged to the memory controller, not limited separately',
  VMGUARPAGES: 'no allocation guarantee on mainline kernels (overcommit is host-wide)',
  NUMFLOCK: 'no per-container file lock count on mainline kernels',
  NUMSIGINFO: 'RLIMIT_SIGPENDING is per user, not per container',
  DCACHESIZE: 'dentries are charged to the memory controller, not limited separately',
  NUMIPTENT: 'netfilter rules are per network namespace with no count limit',
  NUMFILE: 'no per-container open-file count; RLIMIT_NOFILE (lxc.prlimit.nofile) is per process',
};

export function mapUbcToCgroups(ubc: UbcSet, mode: CgroupMode, opts: { pageSize?: number; memsw?: boolean } = {}): UbcMapping {
  const page = BigInt(opts.pageSize ?? 4096);
  const m: UbcMapping = { mode, cgroup: [], namespace: [], unmapped: [] };
  const finite = (n: UbcName, side: 'barrier' | 'limit') => {
    const p = ubc[n];
    return p && !isUnlimited(p[side]) ? p[side] : undefined;
  };
  const used = new Set<UbcName>();
  const cg = (controller: CgroupLimit['controller'], v1: string | undefined, v2: string | undefined, value: bigint | string, from: UbcName[], note?: string) => {
    const key = mode === 'v1' ? v1 : v2;
    from.forEach((f) => used.add(f));
    if (!key) {
      for (const f of from) m.unmapped.push({ param: f, reason: note ?? `no cgroup ${mode} equivalent` });
      return;
    }
    m.cgroup.push({ controller, key, value: String(value), from, ...(note ? { note } : {}) });
  };

  // Memory: the hard limit is PHYSPAGES' limit (VSwap configs); classic configs bound memory
  // with PRIVVMPAGES instead, so its limit stands in when PHYSPAGES is unlimited.
  const phys = finite('PHYSPAGES', 'limit');
  const priv = finite('PRIVVMPAGES', 'limit');
  const hard = phys ?? priv;
  if (hard !== undefined) {
    const from: UbcName[] = phys !== undefined ? ['PHYSPAGES'] : ['PRIVVMPAGES'];
    cg('memory', 'memory.limit_in_bytes', 'memory.max', hard * page, from,
      phys === undefined ? 'PRIVVMPAGES counts allocated, not resident, memory: the cgroup limit is on resident memory' : undefined);
  }
  const privBar = finite('PRIVVMPAGES', 'barrier');
  if (privBar !== undefined && (hard === undefined || privBar < hard)) {
    if (mode === 'v2') cg('memory', undefined, 'memory.high', privBar * page, ['PRIVVMPAGES'], 'throttles and reclaims above the barrier');
    else if (phys !== undefined) m.unmapped.push({ param: 'PRIVVMPAGES', reason: 'cgroup v1 has no memory.high; only the hard limit applies' });
  } else if (ubc.PRIVVMPAGES) used.add('PRIVVMPAGES');
  const oom = finite('OOMGUARPAGES', 'barrier');
  if (oom !== undefined && oom > 0n)
    cg('memory', 'memory.soft_limit_in_bytes', 'memory.low', oom * page, ['OOMGUARPAGES'],
      mode === 'v1' ? 'v1 soft limit: reclaimed last under pressure (best effort)' : 'protected from reclaim below this');
  else if (ubc.OOMGUARPAGES) used.add('OOMGUARPAGES');
  const swap = finite('SWAPPAGES', 'limit');
  if (swap !== undefined) {
    if (mode === 'v2') cg('memory', undefined, 'memory.swap.max', swap * page, ['SWAPPAGES']);
    else if (opts.memsw && hard !== undefined) cg('memory', 'memory.memsw.limit_in_bytes', undefined, (hard + swap) * page, ['SWAPPAGES'], 'memory + swap');
    else m.unmapped.push({ param: 'SWAPPAGES', reason: 'this host has no swap accounting (memory.memsw.*); boot with swapaccount=1' });
    used.add('SWAPPAGES');
  }
  const kmem = finite('KMEMSIZE', 'limit');
  if (kmem !== undefined) {
    m.unmapped.push({ param: 'KMEMSIZE', reason: 'kernel memory is charged to the memory limit; the separate kmem limit was removed from mainline (5.16)' });
    used.add('KMEMSIZE');
  }
  for (const n of ['TCPSNDBUF', 'TCPRCVBUF'] as const) {
    if (ubc[n]) {
      m.unmapped.push({ param: n, reason: 'TCP buffers are charged to the memory controller (v1: memory.kmem.tcp.*, not set), not limited separately' });
      used.add(n);
    }
  }

  const nproc = finite('NUMPROC', 'limit');
  if (nproc !== undefined) cg('pids', 'pids.max', 'pids.max', nproc, ['NUMPROC']);
  else if (ubc.NUMPROC) used.add('NUMPROC');

  // CPU weight: vzctl's cgroup backend sets cpu.shares = cpuunits × 1024 / 1000; v2 weight
  // is 1..10000 with 100 as default, so the default 1000 cpuunits maps to 100.
  const cpu = ubc.CPUUNITS?.barrier;
  if (cpu !== undefined) {
    if (mode === 'v1') cg('cpu', 'cpu.shares', undefined, (cpu * 1024n) / 1000n > 2n ? (cpu * 1024n) / 1000n : 2n, ['CPUUNITS']);
    else {
      let w = cpu / 10n;
      if (w < 1n) w = 1n;
      if (w > 10000n) w = 10000n;
      cg('cpu', undefined, 'cpu.weight', w, ['CPUUNITS']);
    }
  }

  const pty = finite('NUMPTY', 'limit');
  if (pty !== undefined) {
    m.namespace.push({ key: 'lxc.pty.max', value: String(pty), from: ['NUMPTY'], note: 'the container\'s own devpts instance allows this many ptys' });
    used.add('NUMPTY');
  }
  const shm = finite('SHMPAGES', 'limit');
  if (shm !== undefined) {
    m.namespace.push({ key: 'lxc.sysctl.kernel.shmall', value: String(shm), from: ['SHMPAGES'], note: 'per IPC namespace, in pages' });
    used.add('SHMPAGES');
  }
  const locked = finite('LOCKEDPAGES', 'limit');
  if (locked !== undefined) {
    m.namespace.push({ key: 'lxc.prlimit.memlock', value: String(locked * page), from: ['LOCKEDPAGES'], note: 'RLIMIT_MEMLOCK: per process, not per container' });
    used.add('LOCKEDPAGES');
  }

  const ds = ubc.DISKSPACE;
  const di = ubc.DISKINODES;
  if (ds || di) {
    m.disk = {
      ...(ds ? { spaceSoftKiB: ds.barrier, spaceHardKiB: ds.limit } : {}),
      ...(di ? { inodesSoft: di.barrier, inodesHard: di.limit } : {}),
    };
    if (ds) used.add('DISKSPACE');
    if (di) used.add('DISKINODES');
  }

  if (ubc.PHYSPAGES && phys === undefined) {
    m.unmapped.push({ param: 'PHYSPAGES', reason: 'accounting only here (limit unlimited): nothing to set' });
    used.add('PHYSPAGES');
  }
  for (const n of UBC_NAMES) {
    if (!ubc[n] || used.has(n) || m.unmapped.some((u) => u.param === n)) continue;
    m.unmapped.push({ param: n, reason: NO_EQUIVALENT[n] ?? 'no mainline equivalent' });
  }
  return m;
}

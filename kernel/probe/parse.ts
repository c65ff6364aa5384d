// Pure readers for what the host probe gathers: mount tables, /proc/filesystems, tool
// version banners, meminfo and cpuinfo. Each takes the text the kernel or tool printed, so
// tests feed real samples.

export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';

export interface CgroupLayout {
  mode: CgroupMode;
  /** v1 controller → mount point (name=systemd is listed as "name=systemd"). */
  v1: Record<string, string>;
  /** The cgroup2 mount point, if any, and the controllers enabled there. */
  v2?: { mountpoint: string; controllers: string[] };
  /** Which key family container limits must use: v1 when memory lives on a v1 hierarchy. */
  keys: 'v1' | 'v2';
}

const V1_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc']);

/** From /proc/self/mounts (or /proc/mounts) and the cgroup2 root's cgroup.controllers. */
export function parseCgroupLayout(mounts: string, cgroup2Controllers?: string): CgroupLayout {
  const v1: Record<string, string> = {};
  let v2: CgroupLayout['v2'];
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    const mp = unescapeMount(f[1]);
    if (f[2] === 'cgroup') {
      for (const o of f[3].split(',')) if (V1_CONTROLLERS.has(o) || o.startsWith('name=')) v1[o] = mp;
    } else if (f[2] === 'cgroup2' && !v2) {
      v2 = { mountpoint: mp, controllers: (cgroup2Controllers ?? '').split(/\s+/).filter(Boolean) };
    }
  }
  const hasV1 = Object.keys(v1).length > 0;
  const mode: CgroupMode = hasV1 && v2 ? 'hybrid' : hasV1 ? 'v1' : v2 ? 'v2' : 'none';
  const keys = v1.memory || (mode !== 'v2' && !v2?.controllers.includes('memory')) ? 'v1' : 'v2';
  return { mode, v1, ...(v2 ? { v2 } : {}), keys };
}

/** Mount points in /proc/mounts escape space, tab, newline and backslash as octal. */
export function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Filesystem names from /proc/filesystems ("nodev\toverlay" / "\text4"). */
export function parseFilesystems(text: string): string[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter(Boolean);
}

/** "vzctl version 4.9.4" → "4.9.4"; "vzquota version 3.1" → "3.1". */
export function parseToolVersion(text: string): string | undefined {
  const m = /version\s+v?(\d+(?:\.\d+)*(?:[-.\w]*)?)/i.exec(text) ?? /^\s*v?(\d+(?:\.\d+)+)\s*$/m.exec(text);
  return m?.[1];
}

/** Kernel release "6.18.44-fc-v657" or "2.6.32-042stab134.8" → [6, 18, 44]. */
export function kernelVersionParts(release: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return [0, 0, 0];
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersionParts(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** OpenVZ kernels: "stab" releases (2.6.18/2.6.32/3.10 -stab, -vz7) or the /proc entries. */
export function isOpenVzKernel(release: string, procVz: boolean, beancounters: boolean): boolean {
  return procVz || beancounters || /stab\d|\.vz7\.|\.vz\d/.test(release);
}

export interface MemInfo {
  memTotal: number;
  swapTotal: number;
  lowTotal?: number;
}

/** /proc/meminfo values (kB) in bytes. */
export function parseMeminfo(text: string): MemInfo {
  const get = (k: string) => {
    const m = new RegExp(`^${k}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const memTotal = get('MemTotal');
  if (memTotal === undefined) throw new Error('/proc/meminfo: no MemTotal line');
  const low = get('LowTotal');
  return { memTotal, swapTotal: get('SwapTotal') ?? 0, ...(low !== undefined ? { lowTotal: low } : {}) };
}

/** Sum of the "bogomips" lines of /proc/cpuinfo (vzsplit's CPU power estimate). */
export function parseBogomips(text: string): number | undefined {
  let total = 0;
  for (const m of text.matchAll(/^bogomips\s*:\s*([\d.]+)/gim)) total += Math.trunc(Number(m[1]));
  return total || undefined;
}

// Sizing a UBC config for N containers on this host, as vzctl's vzsplit did
// (vzctl src/vzsplit.c): try three "resource commit levels" from generous to tight, take
// the first whose per-CT kernel memory can hold the socket buffers for its process count,
// else fall back to a minimal configuration; then derive the secondary and auxiliary
// parameters with vzsplit's constants. Pure: host facts in, config out.
// Deliberate differences from vzsplit, each a bug there: (1) 64-bit kernels have no
// LowTotal, so we use MemTotal as vzctl's own get_lowmem() does (vzsplit then always hit
// "Fatal resource shortage"); (2) its `low_total > 2 << 30` overflows int, we mean 2 GiB;
// (3) statfs blocks are converted to 1 KiB before becoming DISKSPACE.
import { LONG_MAX, type UbcName } from './params.js';
import type { UbcPair, UbcSet } from './value.js';

export interface SplitHost {
  memTotal: number; // bytes
  lowTotal?: number; // bytes (32-bit kernels only)
  swapTotal: number; // bytes
  threadsMax: number; // /proc/sys/kernel/threads-max
  pageSize: number;
  /** statfs of the container area; absent → vzsplit's default disk values. */
  disk?: { blocks: number; files: number; bsize: number };
  /** Sum of "bogomips" over /proc/cpuinfo; absent → CPUUNITS 1000. */
  bogomips?: number;
}

export interface SplitResult {
  count: number;
  level: number;
  levelText: string;
  ubc: UbcSet;
  cpuunits: number;
  warnings: string[];
  header: string[];
}

export class SplitError extends Error {
  constructor(message: string, readonly maxContainers?: number) {
    super(message);
  }
}

const SYSRSRV = 52428800;
const MEMPERVE = 5542912;
const LOWPERVE = 1348608;
const MAX_SL = 3;
const MAX_TOTAL_PIDS = 8000;
const MAXIPTENT = 2000;
const MINPROC = 30;
const MINTCPBUF = 65536;
const MINDGRAMBUF = 32768;
const MINSOCKBUF = 2560;
const MIN_PTY = 4;
const MIN_IPTENT = 4;
const MIN_PGLOCK = 4;
const MIN_GUARPG = 1024;
const IPTENT_PVE = 200;
const FLOCK_PVE = 1000;
const PTY_PVE = 512;
const HOST_DS = 10737418240;
const DEF_DS = 225280;
const HOST_DI = 100000;
const DEF_DI = 88000;
const K_KMEM_MAX = 2.0;
const PGLOCK_KMEM = 204800;

const k_kmem = [1, 1.2, 1.8];
const k_nproc = [1, 1.5, 2];
const k_avnpr = [8, 5, 3];
const k_kpp = [81920, 65536, 53248];
const k_sock1 = [262144, 131072, 65536];
const k_sock2 = [4096, 3036, 2560];
const numsiginfo = [1024, 512, 256];
const k_dcache = [1.5 * 384, 1.2 * 384, 1 * 384];
const k_privvm = [6, 3, 1.5];
const k_pglock = [10, 3, 1];
const k_msl = [10485760, 2097152, 0];

export const LEVEL_TEXT = [
  'Free resource distribution. Any parameters may be increased',
  'Normal resource distribution. Secondary parameters may be increased',
  'Partial resource shortage. Auxiliary parameters may be increased',
  'Overall resource shortage. Please, do not change any parameters!',
];

const t = Math.trunc;
const mb = (bytes: number) => Math.floor(bytes / 2 ** 20);
const LMAX = Number(LONG_MAX);
const lim = (v: number): bigint => (v >= LMAX ? LONG_MAX : BigInt(t(v)));
const pair = (b: number, l: number): UbcPair => ({ barrier: lim(b), limit: lim(l) });

export function splitUbc(host: SplitHost, count: number): SplitResult {
  if (!Number.isInteger(count) || count < 1) throw new SplitError(`the number of containers must be a whole number ≥ 1 (got ${count})`);
  const warnings: string[] = [];
  const mem = host.memTotal;
  const low = host.lowTotal ?? host.memTotal;
  const swap = host.swapTotal;
  const pagesize = host.pageSize;
  if (mem < SYSRSRV) throw new SplitError('at least 128 MB of RAM should be installed on the host');
  if (swap > 2 * mem) warnings.push(`the optimal swap size is ${mb(2 * mem)} MB, twice the RAM size`);
  if (t((mem + swap - SYSRSRV) / count) < MEMPERVE) {
    const max = t((mem + swap - SYSRSRV) / MEMPERVE);
    throw new SplitError(`with ${mb(mem + swap)} MB of memory (RAM + swap) ${count} containers can not be allocated; the maximum is ${max}`, max);
  }
  if (t((low - SYSRSRV) / count) < LOWPERVE) {
    const max = t((low - SYSRSRV) / LOWPERVE);
    throw new SplitError(`with ${mb(low)} MB of low memory ${count} containers can not be allocated; the maximum is ${max}`, max);
  }
  let procCalc = host.threadsMax;
  const pidCap = low > 2 * 1024 ** 3 ? 2 * MAX_TOTAL_PIDS : MAX_TOTAL_PIDS;
  if (procCalc > pidCap) procCalc = pidCap;

  // Disk: half the area (minus 10 GB / 100000 inodes for the host) shared out, in 1 KiB blocks.
  let dsTotal = 0;
  let diTotal = 0;
  if (host.disk) {
    dsTotal = (host.disk.blocks * host.disk.bsize) / 1024;
    diTotal = host.disk.files;
    let small = false;
    if (dsTotal / 2 < HOST_DS / 1024) { small = true; dsTotal /= 2; } else dsTotal -= HOST_DS / 1024;
    if (diTotal / 2 < HOST_DI) { small = true; diTotal /= 2; } else diTotal -= HOST_DI;
    if (small) warnings.push('recommended minimal size of the container partition is 20 GB');
    const veDs = t(dsTotal / DEF_DS);
    const veDi = t(diTotal / DEF_DI);
    if (veDs < count || veDi < count) {
      warnings.push(`the container partition does not have the space required for ${count} containers (at most ${Math.min(veDs, veDi)}); default disk values used`);
      dsTotal = diTotal = 0;
    }
  } else warnings.push('no container partition given; default disk values used');

  const P: Partial<Record<UbcName, UbcPair>> = {};
  const totPve = t((mem + swap - SYSRSRV) / count);
  let numproc = 0, avnproc = 0, lowPve = 0, guarpg = 0, kmem = 0, tcpbuf = 0;
  let osl = 0;
  let sl = 0;
  for (osl = 0; osl < MAX_SL; osl++) {
    numproc = t((k_nproc[osl] * procCalc) / count);
    lowPve = t((low * 0.4 * k_kmem[osl]) / count);
    guarpg = t((totPve - lowPve) / pagesize);
    if (guarpg < MIN_GUARPG) { guarpg = MIN_GUARPG; lowPve = totPve - guarpg * pagesize; }
    kmem = t(lowPve / 2);
    if (lowPve < k_msl[osl]) continue;
    if (numproc < MINPROC) numproc = MINPROC;
    avnproc = t(kmem / k_kpp[osl]);
    if (avnproc < MINPROC / 2) continue;
    if (numproc < avnproc) numproc = avnproc;
    if (numproc < 2 * avnproc) numproc = 2 * avnproc;
    if (numproc > avnproc * k_avnpr[osl]) numproc = t(avnproc * k_avnpr[osl]);
    const sockbuf = lowPve - kmem;
    tcpbuf = t(sockbuf / 3);
    if (tcpbuf < k_sock1[osl] + k_sock2[osl] * numproc) continue;
    sl = osl;
    break;
  }
  if (osl === MAX_SL) {
    // Minimal configuration: halve the process count until the socket minimums fit.
    sl = MAX_SL - 1;
    numproc = t((k_nproc[sl] * procCalc) / count);
    lowPve = t((low * 0.4 * K_KMEM_MAX) / count);
    guarpg = t((totPve - lowPve) / pagesize);
    if (guarpg < MIN_GUARPG) { guarpg = MIN_GUARPG; lowPve = totPve - guarpg * pagesize; }
    let rest = 0, delta = 0;
    do {
      numproc = t(numproc / 2);
      if (numproc < MINPROC) numproc = MINPROC;
      avnproc = t(numproc / 2);
      delta = MINSOCKBUF * numproc;
      const sockbuf = 2 * (MINDGRAMBUF + MINTCPBUF + delta);
      kmem = lowPve - sockbuf;
      rest = kmem - avnproc * k_kpp[sl];
    } while (rest < 0 && numproc > MINPROC);
    if (rest < 0) throw new SplitError(`fatal resource shortage for ${count} containers; try fewer`);
    P.DGRAMRCVBUF = pair(MINDGRAMBUF, MINDGRAMBUF);
    P.OTHERSOCKBUF = pair(MINDGRAMBUF, MINDGRAMBUF + delta);
    P.TCPSNDBUF = pair(MINTCPBUF, MINTCPBUF + delta);
    if (rest > delta) { P.TCPRCVBUF = pair(MINTCPBUF, MINTCPBUF + delta); kmem += rest - delta; }
    else P.TCPRCVBUF = pair(MINTCPBUF, MINTCPBUF + rest);
  } else {
    const delta = k_sock2[sl] * numproc;
    const rest = tcpbuf - delta;
    P.TCPSNDBUF = pair(rest, tcpbuf);
    P.TCPRCVBUF = pair(rest, tcpbuf);
    P.DGRAMRCVBUF = pair(t(rest / 2), t(rest / 2));
    P.OTHERSOCKBUF = pair(t(rest / 2), t(rest / 2) + delta);
  }
  P.KMEMSIZE = pair(kmem, kmem * 1.1);
  P.NUMPROC = pair(numproc, numproc);
  P.AVNUMPROC = pair(avnproc, avnproc);
  P.NUMTCPSOCK = pair(numproc, numproc);
  P.NUMOTHERSOCK = pair(numproc, numproc);
  let iptent = t(MAXIPTENT / count);
  if (iptent > IPTENT_PVE) iptent = IPTENT_PVE;
  else if (iptent < MIN_IPTENT) iptent = MIN_IPTENT;
  P.NUMIPTENT = pair(iptent, iptent);
  const numfile = avnproc * 32;
  P.NUMFILE = pair(numfile, numfile);
  const dcache = t(numfile * k_dcache[sl]);
  P.DCACHESIZE = pair(dcache / 1.03, dcache);
  let numflock = t(numfile * 0.1);
  if (numflock > FLOCK_PVE) numflock = FLOCK_PVE;
  P.NUMFLOCK = pair(numflock, numflock * 1.1);
  let locked = t((kmem * k_pglock[sl]) / PGLOCK_KMEM);
  if (locked < MIN_PGLOCK) locked = MIN_PGLOCK;
  P.LOCKEDPAGES = pair(locked, locked);
  let numpty = t(numproc * 0.1);
  if (numpty < MIN_PTY) numpty = MIN_PTY;
  if (numpty > PTY_PVE) numpty = PTY_PVE;
  P.NUMPTY = pair(numpty, numpty);
  P.NUMSIGINFO = pair(numsiginfo[sl], numsiginfo[sl]);
  P.PHYSPAGES = { barrier: 0n, limit: LONG_MAX };
  let privvm = t(guarpg * k_privvm[sl]);
  const privCap = (0.6 / 4096) * mem;
  if (privvm > privCap) { privvm = t(privCap); guarpg = privvm; }
  P.PRIVVMPAGES = pair(privvm, privvm * 1.1);
  P.VMGUARPAGES = { barrier: lim(guarpg), limit: LONG_MAX };
  P.OOMGUARPAGES = { barrier: lim(guarpg), limit: LONG_MAX };
  const shm = t(privvm * 0.1);
  P.SHMPAGES = pair(shm, shm);
  const dsPve = dsTotal ? t(dsTotal / (2 * count)) : DEF_DS;
  const diPve = diTotal ? t(diTotal / (2 * count)) : DEF_DI;
  P.DISKSPACE = pair(dsPve / 1.1, dsPve);
  P.DISKINODES = pair(diPve / 1.1, diPve);
  const cpuunits = host.bogomips ? t((t(host.bogomips) * 25) / (count + 1)) : 1000;
  P.CPUUNITS = { barrier: BigInt(cpuunits), limit: BigInt(cpuunits) };

  const level = osl === MAX_SL ? MAX_SL : sl;
  const header = [
    `Configuration file generated by vzbuild ubc split (vzsplit's algorithm) for ${count} containers`,
    `on a host with total physical memory ${mb(mem)} MB`,
    `low memory ${mb(low)} MB, swap size ${mb(swap)} MB, max threads ${procCalc}`,
    `Resource commit level ${level}:`,
    LEVEL_TEXT[level],
  ];
  return { count, level, levelText: LEVEL_TEXT[level], ubc: P, cpuunits, warnings, header };
}

/** The parameter order and section comments vzsplit writes. */
export const SPLIT_SECTIONS: ReadonlyArray<readonly [string, readonly UbcName[]]> = [
  ['Primary parameters', ['NUMPROC', 'AVNUMPROC', 'NUMTCPSOCK', 'NUMOTHERSOCK', 'VMGUARPAGES']],
  ['Secondary parameters', ['KMEMSIZE', 'TCPSNDBUF', 'TCPRCVBUF', 'OTHERSOCKBUF', 'DGRAMRCVBUF', 'OOMGUARPAGES', 'PRIVVMPAGES']],
  ['Auxiliary parameters', ['LOCKEDPAGES', 'SHMPAGES', 'PHYSPAGES', 'NUMFILE', 'NUMFLOCK', 'NUMPTY', 'NUMSIGINFO', 'DCACHESIZE', 'NUMIPTENT', 'DISKSPACE', 'DISKINODES']],
];

/** The vzctl config sample text (KEY="barrier:limit" lines under vzsplit's section comments). */
export function formatSplitConf(r: SplitResult): string {
  const out = r.header.map((h) => `# ${h}`);
  for (const [title, names] of SPLIT_SECTIONS) {
    out.push('', `# ${title}`);
    for (const n of names) {
      const p = r.ubc[n];
      if (p) out.push(`${n}="${p.barrier}:${p.limit}"`);
    }
  }
  out.push(`CPUUNITS="${r.cpuunits}"`);
  return out.join('\n') + '\n';
}

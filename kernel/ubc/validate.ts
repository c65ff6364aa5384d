// UBC consistency check, the rules vzcfgvalidate applies (vzctl src/lib/validate.c; OpenVZ
// wiki "UBC consistency check"): barrier/limit relations per parameter, then the formulae
// tying kernel memory, dentry cache, socket buffers and file counts together. Each
// violation names its rule and the numbers. Errors and warnings fail the check (vzcfgvalidate
// returns 1 for both); recommendations are reported only. Pure.
import { isUnlimited, LONG_MAX, UBC_PARAMS, type UbcName } from './params.js';
import type { UbcPair, UbcSet } from './value.js';

export type Severity = 'error' | 'warning' | 'recommendation';

export interface UbcViolation {
  rule: string;
  severity: Severity;
  params: UbcName[];
  message: string;
}

export interface UbcValidation {
  ok: boolean;
  /** 'vswap' configs (PHYSPAGES limit + SWAPPAGES) are checked for barrier ≤ limit only. */
  model: 'ubc' | 'vswap';
  violations: UbcViolation[];
}

/** Parameters vzcfgvalidate reports "not found" for (check_param plus the CHECK_B/CHECK_BL list). */
const REQUIRED: UbcName[] = [
  'NUMPROC', 'NUMTCPSOCK', 'NUMOTHERSOCK', 'OOMGUARPAGES', 'VMGUARPAGES', 'KMEMSIZE', 'TCPSNDBUF', 'TCPRCVBUF',
  'OTHERSOCKBUF', 'DGRAMRCVBUF', 'PRIVVMPAGES', 'NUMFILE', 'DCACHESIZE', 'PHYSPAGES', 'NUMPTY',
  'LOCKEDPAGES', 'SHMPAGES', 'NUMFLOCK', 'NUMSIGINFO', 'NUMIPTENT', 'DISKSPACE', 'DISKINODES',
];

const fmt = (p: UbcPair) => `${p.barrier}:${p.limit}`;

export function validateUbc(ubc: UbcSet): UbcValidation {
  const v: UbcViolation[] = [];
  const add = (severity: Severity, rule: string, params: UbcName[], message: string) => v.push({ rule, severity, params, message });

  const phys = ubc.PHYSPAGES;
  if (phys && !isUnlimited(phys.limit) && ubc.SWAPPAGES) {
    for (const p of UBC_PARAMS) {
      const x = ubc[p.name];
      if (x && p.rule !== 'single' && x.barrier > x.limit)
        add('error', `barrier<=limit:${p.name}`, [p.name], `barrier should be <= limit for ${p.name} (currently ${fmt(x)})`);
    }
    return { ok: !v.some((x) => x.severity !== 'recommendation'), model: 'vswap', violations: v };
  }

  const missing = REQUIRED.filter((n) => !ubc[n]);
  for (const n of missing) add('error', `required:${n}`, [n], `parameter ${n} not found`);

  // 1. barrier and limit of each parameter
  for (const p of UBC_PARAMS) {
    const x = ubc[p.name];
    if (!x) continue;
    if (p.rule === 'equal' && x.barrier !== x.limit)
      add('error', `barrier=limit:${p.name}`, [p.name], `barrier should be equal to limit for ${p.name} (currently ${fmt(x)})`);
    else if (p.rule === 'le' && x.barrier > x.limit)
      add('error', `barrier<=limit:${p.name}`, [p.name], `barrier should be <= limit for ${p.name} (currently ${fmt(x)})`);
    else if (p.rule === 'guarantee' && x.limit !== LONG_MAX)
      add('error', `limit=LONG_MAX:${p.name}`, [p.name], `limit should be ${LONG_MAX} for ${p.name} (currently ${x.limit})`);
    else if (p.rule === 'physpages') {
      if (x.barrier !== 0n) add('error', 'barrier=0:PHYSPAGES', ['PHYSPAGES'], `barrier should be 0 for PHYSPAGES (currently ${x.barrier})`);
      if (x.limit !== LONG_MAX) add('error', 'limit=LONG_MAX:PHYSPAGES', ['PHYSPAGES'], `limit should be ${LONG_MAX} for PHYSPAGES (currently ${x.limit})`);
    }
  }

  // 2. formulae (vzcfgvalidate stops before these when a required parameter is missing)
  const need: UbcName[] = ['NUMFILE', 'DCACHESIZE', 'KMEMSIZE', 'PRIVVMPAGES', 'VMGUARPAGES', 'TCPSNDBUF', 'TCPRCVBUF', 'OTHERSOCKBUF', 'DGRAMRCVBUF', 'NUMTCPSOCK', 'NUMOTHERSOCK', 'NUMPTY', 'NUMPROC'];
  if (need.every((n) => ubc[n])) {
    const u = ubc as Required<Pick<UbcSet, (typeof need)[number]>> & UbcSet;
    const avnumproc = ubc.AVNUMPROC ? ubc.AVNUMPROC.barrier : u.NUMPROC.barrier / 2n;

    let val = u.NUMFILE.barrier * 384n;
    if (u.DCACHESIZE.limit < val)
      add('warning', 'dcachesize.lim>=numfile*384', ['DCACHESIZE', 'NUMFILE'], `DCACHESIZE limit should be >= NUMFILE ${u.NUMFILE.barrier} × 384 = ${val} (currently ${u.DCACHESIZE.limit})`);

    val = 40n * 1024n * avnumproc + u.DCACHESIZE.limit;
    if (u.KMEMSIZE.barrier < val)
      add('error', 'kmemsize.bar>=40K*avnumproc+dcachesize.lim', ['KMEMSIZE', 'AVNUMPROC', 'DCACHESIZE'], `KMEMSIZE barrier should be >= 40 KiB × avnumproc ${avnumproc} + DCACHESIZE limit ${u.DCACHESIZE.limit} = ${val} (currently ${u.KMEMSIZE.barrier})`);

    if (u.PRIVVMPAGES.barrier < u.VMGUARPAGES.barrier)
      add('warning', 'privvmpages.bar>=vmguarpages.bar', ['PRIVVMPAGES', 'VMGUARPAGES'], `PRIVVMPAGES barrier should be >= VMGUARPAGES barrier ${u.VMGUARPAGES.barrier} (currently ${u.PRIVVMPAGES.barrier})`);

    const gap = (name: 'TCPSNDBUF' | 'OTHERSOCKBUF' | 'TCPRCVBUF', socks: 'NUMTCPSOCK' | 'NUMOTHERSOCK', sev: Severity) => {
      const want = 2560n * u[socks].barrier;
      const have = u[name].limit - u[name].barrier;
      if (have < want)
        add(sev, `${name.toLowerCase()}.lim-bar>=2.5K*${socks.toLowerCase()}`, [name, socks], `${name} limit − barrier should be >= 2.5 KiB × ${socks} ${u[socks].barrier} = ${want} (currently ${have})`);
    };
    gap('TCPSNDBUF', 'NUMTCPSOCK', 'error');
    gap('OTHERSOCKBUF', 'NUMOTHERSOCK', 'error');
    gap('TCPRCVBUF', 'NUMTCPSOCK', 'warning');

    for (const name of ['TCPRCVBUF', 'TCPSNDBUF'] as const) {
      if (u[name].barrier < 65536n)
        add('warning', `${name.toLowerCase()}.bar>=64K`, [name], `${name} barrier should be >= 65536 (currently ${u[name].barrier})`);
    }
    for (const name of ['DGRAMRCVBUF', 'OTHERSOCKBUF'] as const) {
      if (u[name].barrier < 32768n)
        add('warning', `${name.toLowerCase()}.bar>=32K`, [name], `${name} barrier should be >= 32768 (currently ${u[name].barrier})`);
      else if (u[name].barrier < 132096n)
        add('recommendation', `${name.toLowerCase()}.bar>=129K`, [name], `${name} barrier should be >= 132096 (currently ${u[name].barrier})`);
    }

    const bySocks = u.NUMTCPSOCK.barrier + u.NUMOTHERSOCK.barrier + u.NUMPTY.barrier;
    const byProc = avnumproc * 32n;
    val = bySocks > byProc ? bySocks : byProc;
    if (u.NUMFILE.barrier < val)
      add('warning', 'numfile>=max(32*avnumproc,numtcpsock+numothersock+numpty)', ['NUMFILE'], `NUMFILE should be >= max(32 × avnumproc ${avnumproc}, NUMTCPSOCK + NUMOTHERSOCK + NUMPTY = ${bySocks}) = ${val} (currently ${u.NUMFILE.barrier})`);
  }
  return { ok: !v.some((x) => x.severity !== 'recommendation'), model: 'ubc', violations: v };
}

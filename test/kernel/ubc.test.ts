import { describe, expect, it } from 'vitest';
import { failingResources, parseUserBeancounters } from '../../kernel/ubc/beancounters.js';
import { mapUbcToCgroups } from '../../kernel/ubc/cgroup-map.js';
import { LONG_MAX, UBC_NAMES, UBC_PARAMS } from '../../kernel/ubc/params.js';
import { formatShellConf, parseCtConf, parseShellConf, substVeid } from '../../kernel/ubc/shell-conf.js';
import { formatSplitConf, splitUbc, SplitError } from '../../kernel/ubc/split.js';
import { validateUbc } from '../../kernel/ubc/validate.js';
import { parseUbcValue, UbcValueError } from '../../kernel/ubc/value.js';

// /proc/user_beancounters inside CT 123 on a 32-bit 2.6.18 OpenVZ kernel, in the kernel's
// own layout (the example the OpenVZ wiki's UBC pages show): LONG_MAX is 2147483647 there.
const UBC_32 = `Version: 2.5
       uid  resource           held    maxheld    barrier      limit    failcnt
       123: kmemsize         836919    1005343    2752512    2936012          0
            lockedpages           0          0         32         32          0
            privvmpages        4587       7289      49152      53575          0
            shmpages             39         39       8192       8192          0
            dummy                 0          0          0          0          0
            numproc              20         26         65         65          0
            physpages          2267       2399          0 2147483647          0
            vmguarpages           0          0       6144 2147483647          0
            oomguarpages       2267       2399       6144 2147483647          0
            numtcpsock            3          3         80         80          0
            numflock              3          4        100        110          0
            numpty                1          1         16         16          0
            numsiginfo            0          1        256        256          0
            tcpsndbuf             0          0     319488     524288          0
            tcprcvbuf             0          0     319488     524288          0
            othersockbuf       6684       7888     132096     336896          0
            dgramrcvbuf           0       8372     132096     132096          0
            numothersock          8         10         80         80          0
            dcachesize        87672      92168    1048576    1097728          0
            numfile             238        306       2048       2048          0
            dummy                 0          0          0          0          0
            dummy                 0          0          0          0          0
            dummy                 0          0          0          0          0
            numiptent            10         16        128        128          0
`;

// A 64-bit 2.6.32 (RHEL6-based, VSwap) host view: the host (0) and a CT that hit numproc
// and privvmpages limits; swappages appears, unlimited is LONG_MAX.
const UBC_64 = `Version: 2.5
       uid  resource                     held              maxheld              barrier                limit              failcnt
      101:  kmemsize                 14217216             17555456  9223372036854775807  9223372036854775807                    0
            lockedpages                     0                    0  9223372036854775807  9223372036854775807                    0
            privvmpages                 65536                65600                65536                65536                   12
            shmpages                      128                  640  9223372036854775807  9223372036854775807                    0
            dummy                           0                    0                    0                    0                    0
            numproc                       240                  240                  240                  240                    3
            physpages                   38391                57245                    0               262144                    0
            vmguarpages                     0                    0                    0  9223372036854775807                    0
            oomguarpages                38391                57245                    0  9223372036854775807                    0
            numtcpsock                      8                   12  9223372036854775807  9223372036854775807                    0
            swappages                       0                    0                    0               262144                    0
        0:  kmemsize                 45219840             63401984  9223372036854775807  9223372036854775807                    0
            numproc                       180                  310  9223372036854775807  9223372036854775807                    0
`;

describe('UBC parameter table', () => {
  it('has every parameter of issue 6 with a unit', () => {
    for (const n of ['KMEMSIZE', 'LOCKEDPAGES', 'PRIVVMPAGES', 'SHMPAGES', 'NUMPROC', 'PHYSPAGES', 'VMGUARPAGES', 'OOMGUARPAGES', 'NUMTCPSOCK', 'NUMFLOCK', 'NUMPTY', 'NUMSIGINFO', 'TCPSNDBUF', 'TCPRCVBUF', 'OTHERSOCKBUF', 'DGRAMRCVBUF', 'NUMOTHERSOCK', 'DCACHESIZE', 'NUMFILE', 'AVNUMPROC', 'NUMIPTENT', 'DISKSPACE', 'DISKINODES', 'CPUUNITS'])
      expect(UBC_NAMES).toContain(n);
    expect(UBC_PARAMS.find((p) => p.name === 'DISKSPACE')?.unit).toBe('kib');
    expect(UBC_PARAMS.find((p) => p.name === 'KMEMSIZE')?.unit).toBe('bytes');
    expect(UBC_PARAMS.find((p) => p.name === 'PRIVVMPAGES')?.unit).toBe('pages');
    expect(UBC_PARAMS.find((p) => p.name === 'NUMPROC')?.unit).toBe('items');
  });
});

describe('parseUbcValue (vzctl parse_twoul_sfx)', () => {
  const cases: Array<[Parameters<typeof parseUbcValue>[0], string, bigint, bigint]> = [
    ['NUMPROC', '240', 240n, 240n],
    ['NUMPROC', '240:300', 240n, 300n],
    ['KMEMSIZE', '14M:16M', 14680064n, 16777216n],
    ['PRIVVMPAGES', '256M:300M', 65536n, 76800n], // pages: bytes / 4096
    ['PHYSPAGES', '0:unlimited', 0n, LONG_MAX],
    ['PRIVVMPAGES', '1G', 262144n, 262144n],
    ['PRIVVMPAGES', '100P', 100n, 100n], // P = pages
    ['KMEMSIZE', '1.5K', 1536n, 1536n],
    ['DISKSPACE', '10G:11G', 10485760n, 11534336n], // 1 KiB blocks
    ['CPUUNITS', '1000', 1000n, 1000n],
    ['OOMGUARPAGES', '6144:9223372036854775807', 6144n, LONG_MAX],
    ['OOMGUARPAGES', '6144:99999999999999999999', 6144n, LONG_MAX], // clamped like vzctl
  ];
  it.each(cases)('%s=%s', (name, raw, b, l) => {
    expect(parseUbcValue(name, raw)).toEqual({ barrier: b, limit: l });
  });
  it.each([
    ['NUMPROC', '10K', /counts items and takes no size suffix/],
    ['KMEMSIZE', '10X', /unknown suffix "X"/],
    ['KMEMSIZE', '1:2:3', /not "barrier:limit"/],
    ['KMEMSIZE', 'lots', /not a number/],
    ['CPUUNITS', '10:20', /not a whole number/],
  ] as const)('rejects %s=%s', (name, raw, msg) => {
    expect(() => parseUbcValue(name, raw)).toThrow(UbcValueError);
    expect(() => parseUbcValue(name, raw)).toThrow(msg);
  });
});

describe('CT config files', () => {
  it('reads shell assignments with quotes, comments and export', () => {
    const c = parseShellConf(
      ['# comment', '', 'ONBOOT="yes"', "NAME='it''s'", 'export VE_ROOT=/vz/root/$VEID', 'DESCRIPTION="say \\"hi\\" # not a comment"  # trailing', 'PLAIN=value # c'].join('\n'),
      'x.conf',
    );
    expect(c.problems).toEqual([]);
    expect(c.vars).toEqual({ ONBOOT: 'yes', NAME: 'its', VE_ROOT: '/vz/root/$VEID', DESCRIPTION: 'say "hi" # not a comment', PLAIN: 'value' });
    expect(substVeid(c.vars.VE_ROOT + '/', '101')).toBe('/vz/root/101');
  });
  it('collects every bad line with file:line', () => {
    const c = parseCtConf('NUMPROC="10K"\nKMEMSIZE="1M:2M"\nthis is not\nHOSTNAME="unterminated\nPRIVVMPAGES=1 2\n', '/etc/vz/conf/101.conf');
    expect(c.problems).toEqual([
      '/etc/vz/conf/101.conf:3: not a KEY="value" assignment: this is not',
      '/etc/vz/conf/101.conf:4: HOSTNAME: unterminated double quote',
      '/etc/vz/conf/101.conf:5: PRIVVMPAGES: unexpected text after the value: "2" (quote values that contain spaces)',
      '/etc/vz/conf/101.conf:1: NUMPROC: "10K": this parameter counts items and takes no size suffix',
    ]);
    expect(c.ubc.KMEMSIZE).toEqual({ barrier: 1048576n, limit: 2097152n });
  });
  it('writes what it reads back', () => {
    const text = formatShellConf([['HOSTNAME', 'a "b" $c'], ['NUMPROC', '1:2']], ['hello']);
    expect(text).toBe('# hello\nHOSTNAME="a \\"b\\" \\$c"\nNUMPROC="1:2"\n');
    expect(parseShellConf(text, 'f').vars).toEqual({ HOSTNAME: 'a "b" $c', NUMPROC: '1:2' });
  });
});

describe('/proc/user_beancounters', () => {
  it('parses the 32-bit layout (dummy rows skipped)', () => {
    const u = parseUserBeancounters(UBC_32);
    expect(u.version).toBe('2.5');
    expect(u.beancounters.map((b) => b.uid)).toEqual(['123']);
    expect(u.beancounters[0].rows).toHaveLength(20);
    expect(u.beancounters[0].rows.find((r) => r.resource === 'numflock')).toEqual({ resource: 'numflock', held: 3n, maxheld: 4n, barrier: 100n, limit: 110n, failcnt: 0n });
    expect(failingResources(u)).toEqual([]);
  });
  it('parses a 64-bit host view with several beancounters and failcnt', () => {
    const u = parseUserBeancounters(UBC_64);
    expect(u.beancounters.map((b) => [b.uid, b.rows.length])).toEqual([['101', 10], ['0', 2]]);
    expect(u.beancounters[0].rows[0].limit).toBe(LONG_MAX);
    expect(failingResources(u).map((f) => `${f.uid}:${f.name}:${f.failcnt}`)).toEqual(['101:PRIVVMPAGES:12', '101:NUMPROC:3']);
  });
  it('names the line of a malformed row', () => {
    expect(() => parseUserBeancounters(UBC_32.replace('numpty                1', 'numpty                x'))).toThrow(/:14: not a beancounter row/);
    expect(() => parseUserBeancounters('hello\n')).toThrow(/not a beancounter row/);
  });
});

// A realistic legacy config (the shape of vzctl's ve-basic sample) that passes vzcfgvalidate.
const BASIC = `
NUMPROC="240:240"
AVNUMPROC="120:120"
NUMTCPSOCK="360:360"
NUMOTHERSOCK="360:360"
VMGUARPAGES="33792:9223372036854775807"
KMEMSIZE="14372700:14790164"
TCPSNDBUF="1720320:2703360"
TCPRCVBUF="1720320:2703360"
OTHERSOCKBUF="1126080:2097152"
DGRAMRCVBUF="262144:262144"
OOMGUARPAGES="26112:9223372036854775807"
PRIVVMPAGES="65536:69632"
LOCKEDPAGES="256:256"
SHMPAGES="21504:21504"
PHYSPAGES="0:9223372036854775807"
NUMFILE="9312:9312"
NUMFLOCK="188:206"
NUMPTY="16:16"
NUMSIGINFO="256:256"
DCACHESIZE="3409920:3624960"
NUMIPTENT="128:128"
DISKSPACE="2097152:2306867"
DISKINODES="200000:220000"
CPUUNITS="1000"
`;

describe('validateUbc (vzcfgvalidate rules)', () => {
  it('accepts a consistent config', () => {
    const r = validateUbc(parseCtConf(BASIC, 'basic').ubc);
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
  });
  it('names each violated rule with the numbers', () => {
    const bad = BASIC.replace('NUMPROC="240:240"', 'NUMPROC="240:300"')
      .replace('KMEMSIZE="14372700:14790164"', 'KMEMSIZE="4372700:4790164"')
      .replace('VMGUARPAGES="33792:9223372036854775807"', 'VMGUARPAGES="33792:40000"')
      .replace('TCPSNDBUF="1720320:2703360"', 'TCPSNDBUF="1720320:1800000"')
      .replace('DCACHESIZE="3409920:3624960"', 'DCACHESIZE="3409920:3409920"')
      .replace('DGRAMRCVBUF="262144:262144"', 'DGRAMRCVBUF="65536:65536"')
      .replace('DISKINODES="200000:220000"\n', '');
    const r = validateUbc(parseCtConf(bad, 'bad').ubc);
    expect(r.ok).toBe(false);
    const byRule = Object.fromEntries(r.violations.map((v) => [v.rule, v]));
    expect(byRule['required:DISKINODES'].severity).toBe('error');
    expect(byRule['barrier=limit:NUMPROC'].message).toContain('(currently 240:300)');
    expect(byRule['limit=LONG_MAX:VMGUARPAGES'].message).toContain('currently 40000');
    // 40 KiB × 120 + 3409920 = 8325120 > 4372700
    expect(byRule['kmemsize.bar>=40K*avnumproc+dcachesize.lim'].message).toContain('= 8325120 (currently 4372700)');
    // 2.5 KiB × 360 = 921600 > 1800000 − 1720320 = 79680
    expect(byRule['tcpsndbuf.lim-bar>=2.5K*numtcpsock'].message).toContain('= 921600 (currently 79680)');
    // 9312 × 384 = 3575808 > 3409920
    expect(byRule['dcachesize.lim>=numfile*384']).toMatchObject({ severity: 'warning' });
    expect(byRule['dgramrcvbuf.bar>=129K']).toMatchObject({ severity: 'recommendation' });
  });
  it('checks only barrier ≤ limit for VSwap configs', () => {
    const r = validateUbc(parseCtConf('PHYSPAGES="0:256M"\nSWAPPAGES="0:512M"\nKMEMSIZE="2M:1M"\n', 'vswap').ubc);
    expect(r.model).toBe('vswap');
    expect(r.violations.map((v) => v.rule)).toEqual(['barrier<=limit:KMEMSIZE']);
  });
});

describe('splitUbc (vzsplit)', () => {
  const host = { memTotal: 24684092 * 1024, swapTotal: 0, threadsMax: 192730, pageSize: 4096, disk: { blocks: 65_000_000, files: 16_000_000, bsize: 4096 }, bogomips: 9000 };
  it('sizes N containers consistently (vzcfgvalidate finds no error or warning)', () => {
    for (const [h, n] of [[host, 20], [{ ...host, memTotal: 2 * 1024 ** 3 }, 10], [{ ...host, memTotal: 1024 ** 3 }, 150]] as const) {
      const r = splitUbc(h, n);
      expect(validateUbc(r.ubc).violations.filter((v) => v.severity !== 'recommendation')).toEqual([]);
      expect(r.ubc.NUMPROC?.barrier).toBeGreaterThanOrEqual(30n);
    }
  });
  it('follows vzsplit\'s arithmetic', () => {
    const r = splitUbc(host, 20);
    expect(r.level).toBe(0);
    // proc_calc capped at 16000 on big hosts; numproc = min(16000/20, 8 × avnumproc)... here avnumproc rules
    expect(r.ubc.AVNUMPROC?.barrier).toBe(BigInt(Math.trunc(Math.trunc(Math.trunc((host.memTotal * 0.4) / 20) / 2) / 81920)));
    expect(r.ubc.NUMFILE?.barrier).toBe(r.ubc.AVNUMPROC!.barrier * 32n);
    expect(r.ubc.PHYSPAGES).toEqual({ barrier: 0n, limit: LONG_MAX });
    expect(r.ubc.VMGUARPAGES?.limit).toBe(LONG_MAX);
    expect(r.cpuunits).toBe(Math.trunc((9000 * 25) / 21));
    const text = formatSplitConf(r);
    expect(text).toMatch(/^# Configuration file generated by vzbuild ubc split .* for 20 containers$/m);
    expect(text).toContain('# Primary parameters\nNUMPROC="');
    expect(parseCtConf(text, 'split').problems).toEqual([]);
  });
  it('refuses hosts that are too small, saying how many fit', () => {
    expect(() => splitUbc({ ...host, memTotal: 256 * 1024 ** 2 }, 100)).toThrow(SplitError);
    try {
      splitUbc({ ...host, memTotal: 256 * 1024 ** 2 }, 100);
    } catch (e) {
      expect((e as SplitError).maxContainers).toBe(Math.trunc((256 * 1024 ** 2 - 52428800) / 5542912));
    }
  });
});

describe('UBC → cgroups', () => {
  const ubc = parseCtConf('PHYSPAGES="0:65536"\nSWAPPAGES="0:32768"\nPRIVVMPAGES="49152:53575"\nOOMGUARPAGES="6144:unlimited"\nNUMPROC="65:65"\nCPUUNITS="2000"\nNUMPTY="16:16"\nSHMPAGES="8192:8192"\nNUMTCPSOCK="80:80"\nKMEMSIZE="2752512:2936012"\nDISKSPACE="1048576:1153434"\nDISKINODES="200000:220000"\n', 'm').ubc;
  it('maps to cgroup v2 files', () => {
    const m = mapUbcToCgroups(ubc, 'v2');
    expect(Object.fromEntries(m.cgroup.map((c) => [c.key, c.value]))).toEqual({
      'memory.max': String(65536 * 4096), 'memory.high': String(49152 * 4096), 'memory.low': String(6144 * 4096), 'memory.swap.max': String(32768 * 4096), 'pids.max': '65', 'cpu.weight': '200',
    });
    expect(m.namespace.map((n) => `${n.key}=${n.value}`)).toEqual(['lxc.pty.max=16', 'lxc.sysctl.kernel.shmall=8192']);
    expect(m.disk).toEqual({ spaceSoftKiB: 1048576n, spaceHardKiB: 1153434n, inodesSoft: 200000n, inodesHard: 220000n });
    expect(m.unmapped.map((u) => u.param).sort()).toEqual(['KMEMSIZE', 'NUMTCPSOCK']);
  });
  it('maps to cgroup v1 files and says what v1 lacks', () => {
    const m = mapUbcToCgroups(ubc, 'v1', { memsw: false });
    expect(Object.fromEntries(m.cgroup.map((c) => [c.key, c.value]))).toEqual({
      'memory.limit_in_bytes': String(65536 * 4096), 'memory.soft_limit_in_bytes': String(6144 * 4096), 'pids.max': '65', 'cpu.shares': '2048',
    });
    const why = Object.fromEntries(m.unmapped.map((u) => [u.param, u.reason]));
    expect(why.PRIVVMPAGES).toMatch(/no memory.high/);
    expect(why.SWAPPAGES).toMatch(/swap accounting/);
    expect(mapUbcToCgroups(ubc, 'v1', { memsw: true }).cgroup.find((c) => c.key === 'memory.memsw.limit_in_bytes')?.value).toBe(String((65536 + 32768) * 4096));
  });
  it('uses PRIVVMPAGES as the hard limit of classic configs', () => {
    const m = mapUbcToCgroups(parseCtConf(BASIC, 'basic').ubc, 'v2');
    expect(m.cgroup.find((c) => c.key === 'memory.max')).toMatchObject({ value: String(69632 * 4096), from: ['PRIVVMPAGES'] });
    expect(m.unmapped.map((u) => u.param)).toEqual(expect.arrayContaining(['NUMFILE', 'NUMIPTENT', 'DCACHESIZE', 'AVNUMPROC', 'VMGUARPAGES', 'NUMSIGINFO']));
  });
});

// The OpenVZ driver against a `vzctl` stand-in (no OpenVZ kernel exists here): the stand-in
// records its argv and does what vzctl create/destroy do to the files (unpack
// $TEMPLATE/cache/<OSTEMPLATE>.tar.gz into VE_PRIVATE, rename the config), so we check
// the command lines and the real file formats vzctl reads.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../builder/context.js';
import { createCt, destroyCt, execCt, startCt, statusCt, stopCt, type CtEnv } from '../../kernel/ct/index.js';
import { parseVzctlStatus, vzctlArgv } from '../../kernel/openvz/driver.js';
import { buildCtConf, parseVzConf } from '../../kernel/openvz/vz-conf.js';
import type { HostProbe } from '../../kernel/probe/index.js';
import { parseCtConf, parseShellConf } from '../../kernel/ubc/shell-conf.js';
import { validateUbc } from '../../kernel/ubc/validate.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';
import { makeBusyboxTemplate } from './busybox-template.js';

const run = promisify(execFile);

const STANDIN = `#!/bin/bash
# vzctl stand-in: record argv, act on files like vzctl 4 does.
echo "$*" >> "$VZCTL_LOG"
conf="$VZCTL_CONFDIR/$2.conf"
getv() { ( VEID=$1; . "$VZCTL_VZCONF"; [ -f "$conf" ] && . "$conf"; v=\${!2}; eval echo "$v" ) }
case "$1" in
  --version) echo "vzctl version 4.9.4"; exit 0;;
  create)
    [ -f "$conf" ] || { echo "no config" >&2; exit 1; }
    priv=$(getv "$2" VE_PRIVATE); tmpl=$(getv "$2" TEMPLATE); os=$(getv "$2" OSTEMPLATE)
    [ "$3" = --ostemplate ] && os=$4
    [ -e "$priv" ] && { echo "Private area already exists in $priv" >&2; exit 44; }
    mkdir -p "$priv" && tar -xzf "$tmpl/cache/$os.tar.gz" -C "$priv" || exit 1
    echo "Container private area was created";;
  start) touch "$VZCTL_CONFDIR/$2.running";;
  stop) rm -f "$VZCTL_CONFDIR/$2.running";;
  exec2) shift 2; echo "ran: $*"; exit 3;;
  status)
    s="CTID $2 deleted unmounted down"
    [ -f "$conf" ] && s="CTID $2 exist unmounted down"
    [ -f "$VZCTL_CONFDIR/$2.running" ] && s="CTID $2 exist mounted running"
    echo "$s";;
  destroy) rm -rf "$(getv "$2" VE_PRIVATE)"; mv "$conf" "$conf.destroyed";;
  *) echo "unknown command $1" >&2; exit 2;;
esac
`;

describe('vzctl argv and formats (pure)', () => {
  it('builds vzctl command lines', () => {
    expect(vzctlArgv.create('vzctl', '101', 'centos-6-x86_64')).toEqual(['vzctl', 'create', '101', '--ostemplate', 'centos-6-x86_64']);
    expect(vzctlArgv.exec('vzctl', '101', ['ps', 'ax'])).toEqual(['vzctl', 'exec2', '101', 'ps', 'ax']);
    expect(vzctlArgv.stop('vzctl', '101', true)).toEqual(['vzctl', 'stop', '101', '--fast']);
    expect(parseVzctlStatus('CTID 101 exist mounted running\n')).toEqual({ exists: true, mounted: true, state: 'running' });
    expect(parseVzctlStatus('CTID 101 deleted unmounted down')).toMatchObject({ exists: false, state: 'stopped' });
  });
  it('reads vz.conf with vzctl\'s defaults', () => {
    const vz = parseVzConf('## Global parameters\nVIRTUOZZO=yes\nLOCKDIR=/vz/lock\nTEMPLATE=/vz/template\nVE_ROOT=/vz/root/$VEID\nVE_PRIVATE="/vz/private/$VEID"\nCONFIGFILE="vswap-256m"\nVE_LAYOUT=ploop\n', '/etc/vz/vz.conf');
    expect(vz).toMatchObject({ template: '/vz/template', veRoot: '/vz/root/$VEID', vePrivate: '/vz/private/$VEID', layout: 'ploop', configFile: 'vswap-256m', confDir: '/etc/vz/conf', problems: [] });
    expect(parseVzConf('', '/x/vz.conf')).toMatchObject({ template: '/vz/template', layout: 'simfs' });
  });
  it('writes a CT config vzctl reads back (UBC pairs, DISKSPACE in 1 KiB blocks)', () => {
    const ubc = parseCtConf('KMEMSIZE="14M:16M"\nDISKSPACE="2G:2.2G"\nNUMPROC="240"\n', 'in').ubc;
    const vz = parseVzConf('TEMPLATE=/vz/template\n', '/etc/vz/vz.conf');
    const text = buildCtConf({ ctid: '101', ostemplate: 'centos-6-x86_64', hostname: 'web1.example.com', vz, ubc });
    const back = parseCtConf(text, '101.conf');
    expect(back.problems).toEqual([]);
    expect(back.vars).toMatchObject({ OSTEMPLATE: 'centos-6-x86_64', HOSTNAME: 'web1.example.com', VE_PRIVATE: '/vz/private/$VEID', KMEMSIZE: '14680064:16777216', DISKSPACE: '2097152:2306867', NUMPROC: '240:240', ONBOOT: 'no' });
    expect(text).toContain('VE_ROOT="/vz/root/\\$VEID"');
  });
});

describe.skipIf(!(IS_ROOT && tools('tar', 'bash', 'mount')))('OpenVZ driver with a vzctl stand-in', () => {
  const t = tempDir('vzbuild-ovz-');
  const log = join(t.path, 'vzctl.log');
  const confDir = join(t.path, 'etc/vz/conf');
  const vzConf = join(t.path, 'etc/vz/vz.conf');
  const probe: HostProbe = {
    version: 1, kernel: { release: '2.6.32-042stab134.8', version: [2, 6, 32] },
    openvz: { kernel: true, procVz: true, userBeancounters: true, vzctl: { path: join(t.path, 'bin/vzctl'), version: '4.9.4' } },
    cgroup: { mode: 'none', v1: {}, keys: 'v1', memsw: false }, overlay: { listed: false, usable: false },
    templateArea: { path: join(t.path, 'vz/template'), exists: true }, drivers: ['openvz'], privateModes: ['hardlink', 'copy'], pageSize: 4096,
  };
  const env: CtEnv = { cacheDir: join(t.path, 'state'), cwd: t.path, log: silentLogger, vzConf, probe };
  const savedPath = process.env.PATH;
  let cache = '';
  const argvLog = () => readFileSync(log, 'utf8').trim().split('\n');

  beforeAll(() => {
    mkdirSync(join(t.path, 'bin'), { recursive: true });
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(t.path, 'bin/vzctl'), STANDIN);
    chmodSync(join(t.path, 'bin/vzctl'), 0o755);
    writeFileSync(vzConf, `## Global parameters\nVIRTUOZZO=yes\nTEMPLATE=${t.path}/vz/template\nVE_ROOT=${t.path}/vz/root/$VEID\nVE_PRIVATE=${t.path}/vz/private/$VEID\nVE_LAYOUT=simfs\n`);
    writeFileSync(join(t.path, 'limits.conf'), 'NUMPROC="240:240"\nKMEMSIZE="14372700:14790164"\nPRIVVMPAGES="256M:272M"\nDISKSPACE="1G:1.1G"\nDISKINODES="200000:220000"\n');
    process.env.PATH = `${join(t.path, 'bin')}:${savedPath}`;
    Object.assign(process.env, { VZCTL_LOG: log, VZCTL_CONFDIR: confDir, VZCTL_VZCONF: vzConf });
    cache = makeBusyboxTemplate(t.path, 'busybox-test.tar.gz');
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    t.cleanup();
  });

  it('installs the cache, writes the CT config and runs vzctl create', async () => {
    const r = await createCt({ ctid: '101', template: cache, host: 'openvz', hostname: 'ct101.example', ubcConf: 'limits.conf' }, env);
    expect(r.record).toMatchObject({ driver: 'openvz', private: 'copy', root: `${t.path}/vz/root/101`, privateDir: `${t.path}/vz/private/101`, configPath: join(confDir, '101.conf') });
    expect(readFileSync(join(t.path, 'vz/template/cache/busybox-test.tar.gz')).equals(readFileSync(cache))).toBe(true);
    const conf = parseCtConf(readFileSync(join(confDir, '101.conf'), 'utf8'), '101.conf');
    expect(conf.vars).toMatchObject({ OSTEMPLATE: 'busybox-test', HOSTNAME: 'ct101.example', PRIVVMPAGES: '65536:69632', DISKSPACE: '1048576:1153433', DISKINODES: '200000:220000' });
    expect(conf.vars.VE_PRIVATE).toBe(`${t.path}/vz/private/$VEID`);
    expect(argvLog()).toEqual(['create 101 --ostemplate busybox-test']);
    expect(existsSync(`${t.path}/vz/private/101/bin/busybox`)).toBe(true); // the stand-in unpacked it like vps-create
    expect(validateUbc(conf.ubc).violations.some((v) => v.rule === 'required:NUMFILE')).toBe(true); // partial configs are the user's call
  });

  it('drives start, exec2, status, stop and destroy', async () => {
    await startCt('101', {}, env);
    expect((await statusCt('101', env)).state).toBe('running');
    const r = await execCt('101', ['ps', 'ax'], env);
    expect(r).toMatchObject({ code: 3, stdout: 'ran: ps ax\n' });
    await expect(startCt('101', { init: ['/bin/sh'] }, env)).rejects.toThrow(/already running/);
    await stopCt('101', { kill: true }, env);
    expect((await statusCt('101', env)).state).toBe('stopped');
    await expect(startCt('101', { init: ['/bin/sh'] }, env)).rejects.toThrow(/--init works with --host lxc only/);
    await destroyCt('101', env);
    expect(argvLog().slice(1).filter((l) => !l.startsWith('status'))).toEqual(['start 101', 'exec2 101 ps ax', 'stop 101 --fast', 'destroy 101']);
    expect(existsSync(`${t.path}/vz/private/101`)).toBe(false);
    expect(existsSync(join(confDir, '101.conf.destroyed'))).toBe(true);
    expect(existsSync(join(t.path, 'vz/template/cache/busybox-test.tar.gz'))).toBe(true); // the template stays
  });

  it('refuses private modes vzctl does not have', async () => {
    await expect(createCt({ ctid: '102', template: cache, host: 'openvz', private: 'overlay' }, env)).rejects.toThrow(/--private overlay is not available with vzctl/);
  });

  it('refuses an incompatible template before calling vzctl', async () => {
    const before = argvLog().length;
    const old = makeBusyboxTemplate(t.path, 'el7-like.tar.gz', (root) => {
      mkdirSync(join(root, 'lib64'), { recursive: true });
      writeFileSync(join(root, 'lib64/libc.so.6'), readFileSync('/lib/x86_64-linux-gnu/libc.so.6')); // needs 3.2.0
    });
    await expect(createCt({ ctid: '103', template: old, host: 'openvz' }, env)).rejects.toMatchObject({ code: 'E_INCOMPATIBLE', message: expect.stringMatching(/needs Linux ≥ 3\.2\.0 .* this host runs 2\.6\.32-042stab134\.8/) });
    expect(argvLog().length).toBe(before);
    expect(existsSync(join(confDir, '103.conf'))).toBe(false);
  });

  it('checks free space in VE_PRIVATE before unpacking, as vps-create does', async () => {
    const small = join(t.path, 'small');
    mkdirSync(small, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
    try {
      writeFileSync(vzConf, readFileSync(vzConf, 'utf8').replace(/VE_PRIVATE=.*/, `VE_PRIVATE=${small}/$VEID`));
      await expect(createCt({ ctid: '104', template: cache, host: 'openvz' }, env)).rejects.toMatchObject({ code: 'E_NO_SPACE', message: expect.stringMatching(/insufficient disk space in .*small.*needed \d+ KiB, available \d+ KiB/) });
      expect(parseShellConf(readFileSync(log, 'utf8'), 'log').assignments).toEqual([]);
      expect(argvLog().some((l) => l.startsWith('create 104'))).toBe(false);
    } finally {
      await run('umount', [small]);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { abiTag, readElfNotes, readElfNotesFromBuffer } from '../../kernel/probe/elf-note.js';
import { checkCompat, inspectTemplateTree, resolveInRoot, systemdNeeds } from '../../kernel/probe/compat.js';
import { interpretHostFacts, probeHost } from '../../kernel/probe/index.js';
import type { HostFacts } from '../../kernel/probe/gather.js';
import { isOpenVzKernel, kernelVersionParts, parseCgroupLayout, parseFilesystems, parseMeminfo, parseToolVersion } from '../../kernel/probe/parse.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';

// /proc/self/mounts of this machine (hybrid: v1 controllers + an empty unified hierarchy).
const HYBRID = `/dev/vda / ext4 rw,relatime 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`;
// A systemd host booted with the unified hierarchy (Debian 11+, Fedora 31+).
const UNIFIED = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0
`;
// CentOS 7 / OpenVZ 7 style: v1 only, combined cpu,cpuacct.
const LEGACY = `cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd 0 0
cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpuacct,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
`;

describe('probe parsers', () => {
  it('tells cgroup v1, v2 and hybrid apart and picks the key family', () => {
    const h = parseCgroupLayout(HYBRID, '');
    expect(h).toMatchObject({ mode: 'hybrid', keys: 'v1', v2: { mountpoint: '/sys/fs/cgroup/unified', controllers: [] } });
    expect(h.v1).toEqual({ cpu: '/sys/fs/cgroup/cpu', memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids', 'name=systemd': '/sys/fs/cgroup/systemd' });
    expect(parseCgroupLayout(UNIFIED, 'cpuset cpu io memory hugetlb pids rdma misc\n')).toMatchObject({ mode: 'v2', keys: 'v2', v2: { controllers: ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'] } });
    expect(parseCgroupLayout(LEGACY)).toMatchObject({ mode: 'v1', keys: 'v1', v1: { cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct' } });
    expect(parseCgroupLayout('').mode).toBe('none');
  });
  it('reads /proc/filesystems, versions, meminfo', () => {
    expect(parseFilesystems('nodev\tsysfs\nnodev\toverlay\n\text4\n')).toEqual(['sysfs', 'overlay', 'ext4']);
    expect(parseToolVersion('vzctl version 4.9.4')).toBe('4.9.4');
    expect(parseToolVersion('vzquota version 3.1')).toBe('3.1');
    expect(parseToolVersion('5.0.2\n')).toBe('5.0.2');
    expect(kernelVersionParts('2.6.32-042stab134.8')).toEqual([2, 6, 32]);
    expect(kernelVersionParts('6.18.44-fc-v657')).toEqual([6, 18, 44]);
    expect(isOpenVzKernel('2.6.32-042stab134.8', false, false)).toBe(true);
    expect(isOpenVzKernel('3.10.0-1160.80.1.vz7.191.4', false, false)).toBe(true);
    expect(isOpenVzKernel('6.1.0-13-amd64', false, false)).toBe(false);
    expect(parseMeminfo('MemTotal:       24684092 kB\nSwapTotal:             0 kB\n')).toEqual({ memTotal: 24684092 * 1024, swapTotal: 0 });
  });
  it('decides drivers and private modes from gathered facts', () => {
    const facts: HostFacts = {
      release: '2.6.32-042stab134.8', procVz: true, userBeancounters: 'Version: 2.5\n', mounts: LEGACY, filesystems: 'nodev\tcgroup\n\text4\n',
      memswFile: true, tools: { vzctl: { path: '/usr/sbin/vzctl', output: 'vzctl version 4.9.4' }, vzquota: { path: '/usr/sbin/vzquota', output: 'vzquota version 3.1' }, lxcStart: {}, tar: { path: '/bin/tar' } },
      templateArea: { path: '/vz/template', exists: true, freeBytes: 1e9, totalBytes: 2e9 }, pageSize: 4096,
    };
    const p = interpretHostFacts(facts);
    expect(p.openvz).toMatchObject({ kernel: true, vzctl: { version: '4.9.4' }, vzquota: { version: '3.1' } });
    expect(p.drivers).toEqual(['openvz']);
    expect(p.privateModes).toEqual(['hardlink', 'copy']); // no overlay in /proc/filesystems
    const failed = interpretHostFacts({ ...facts, filesystems: 'nodev\toverlay\n', overlayMount: { ok: false, error: 'permission denied' } });
    expect(failed.overlay).toMatchObject({ listed: true, usable: false });
  });
});

describe.skipIf(!tools('readelf', 'lxc-start'))('probe on this machine', () => {
  it('matches readelf on the real libc.so.6', async () => {
    const libc = '/lib/x86_64-linux-gnu/libc.so.6';
    const want = /OS: Linux, ABI: ([\d.]+)/.exec(execFileSync('readelf', ['-n', libc], { encoding: 'utf8' }))?.[1];
    const info = await readElfNotes(libc);
    expect(info.class).toBe(64);
    expect(abiTag(info)?.version).toBe(want);
    // build-id note agrees too
    const buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', libc], { encoding: 'utf8' }))?.[1];
    expect(info.notes.find((n) => n.name === 'GNU' && n.type === 3)?.desc.toString('hex')).toBe(buildId);
  });
  it('probes this host: LXC usable, cgroups mounted', async () => {
    const t = tempDir();
    try {
      const p = await probeHost({ templateArea: t.path, tmpDir: join(t.path, 'tmp') });
      expect(p.kernel.release).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
      expect(p.drivers).toContain('lxc');
      expect(p.lxc?.version).toMatch(/^\d+\.\d+/);
      expect(p.cgroup.mode).not.toBe('none');
      expect(p.templateArea.freeBytes).toBeGreaterThan(0);
      if (IS_ROOT) expect(p.overlay.mountTest?.ok).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});

/** A minimal ELF with one PT_NOTE (or only an SHT_NOTE section) holding a GNU ABI tag. */
function craftElf(opts: { cls: 32 | 64; be?: boolean; abi: [number, number, number]; sectionsOnly?: boolean }): Buffer {
  const { cls, be } = opts;
  const ehsize = cls === 64 ? 64 : 52;
  const phentsize = cls === 64 ? 56 : 32;
  const shentsize = cls === 64 ? 64 : 40;
  const note = Buffer.alloc(16 + 16);
  const w32 = (b: Buffer, o: number, v: number) => (be ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  w32(note, 0, 4); w32(note, 4, 16); w32(note, 8, 1);
  note.write('GNU\0', 12, 'latin1');
  [0, ...opts.abi].forEach((v, i) => w32(note, 16 + i * 4, v));
  const noteOff = ehsize + phentsize + shentsize;
  const buf = Buffer.alloc(noteOff + note.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = cls === 64 ? 2 : 1; buf[5] = be ? 2 : 1; buf[6] = 1;
  const w16 = (o: number, v: number) => (be ? buf.writeUInt16BE(v, o) : buf.writeUInt16LE(v, o));
  const wW = (o: number, v: number) => (cls === 64 ? (be ? buf.writeBigUInt64BE(BigInt(v), o) : buf.writeBigUInt64LE(BigInt(v), o)) : w32(buf, o, v));
  w16(16, 3); w16(18, cls === 64 ? 62 : 3);
  if (!opts.sectionsOnly) { wW(cls === 64 ? 32 : 28, ehsize); w16(cls === 64 ? 54 : 42, phentsize); w16(cls === 64 ? 56 : 44, 1); }
  wW(cls === 64 ? 40 : 32, ehsize + phentsize); w16(cls === 64 ? 58 : 46, shentsize); w16(cls === 64 ? 60 : 48, 1);
  const ph = ehsize;
  w32(buf, ph, 4);
  if (cls === 64) { wW(ph + 8, noteOff); wW(ph + 32, note.length); wW(ph + 48, 4); } else { w32(buf, ph + 4, noteOff); w32(buf, ph + 16, note.length); w32(buf, ph + 28, 4); }
  const sh = ehsize + phentsize;
  w32(buf, sh + 4, 7);
  if (cls === 64) { wW(sh + 24, noteOff); wW(sh + 32, note.length); wW(sh + 48, 4); } else { w32(buf, sh + 16, noteOff); w32(buf, sh + 20, note.length); w32(buf, sh + 32, 4); }
  note.copy(buf, noteOff);
  return buf;
}

describe('ELF note reader on crafted files', () => {
  it.each([
    [64, false, false], [32, false, false], [32, true, false], [64, true, true],
  ] as const)('class %d big-endian=%s sections-only=%s', async (cls, be, sectionsOnly) => {
    const info = await readElfNotesFromBuffer(craftElf({ cls, be, abi: [2, 6, 18], sectionsOnly }));
    expect(abiTag(info)).toEqual({ os: 'Linux', version: '2.6.18', parts: [2, 6, 18] });
  });
  it('rejects garbage and notes running past the end', async () => {
    await expect(readElfNotesFromBuffer(Buffer.from('#!/bin/sh\necho not elf\n'.padEnd(80)))).rejects.toThrow(/not an ELF file/);
    const b = craftElf({ cls: 64, abi: [3, 2, 0] });
    await expect(readElfNotesFromBuffer(b.subarray(0, b.length - 8))).rejects.toThrow(/runs past the end/);
  });
});

describe('template compatibility', () => {
  const t = tempDir();
  afterAll(t.cleanup);
  const root = join(t.path, 'root');
  mkdirSync(join(root, 'usr/lib64'), { recursive: true });
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  mkdirSync(join(root, 'sbin'), { recursive: true });
  symlinkSync('usr/lib64', join(root, 'lib64'));
  writeFileSync(join(root, 'usr/lib64/libc-2.17.so'), craftElf({ cls: 64, abi: [2, 6, 32] }));
  symlinkSync('/lib64/libc-2.17.so', join(root, 'usr/lib64/libc.so.6')); // absolute: resolved inside root
  writeFileSync(join(root, 'usr/lib/systemd/systemd'), 'ELF-ish stub');
  writeFileSync(join(root, 'usr/lib/systemd/libsystemd-shared-219.so'), '');
  symlinkSync('../usr/lib/systemd/systemd', join(root, 'sbin/init'));
  symlinkSync('../../../../../../etc/passwd', join(root, 'escape'));

  it('resolves links inside the root only', async () => {
    expect(await resolveInRoot(root, 'lib64/libc.so.6')).toBe('usr/lib64/libc-2.17.so');
    expect(await resolveInRoot(root, 'escape')).toBeUndefined(); // /etc/passwd of the root, which doesn't exist
  });
  it('reads glibc\'s kernel minimum and the systemd version', async () => {
    const needs = await inspectTemplateTree(root);
    expect(needs.libc).toEqual({ path: '/usr/lib64/libc-2.17.so', minKernel: '2.6.32', parts: [2, 6, 32] });
    expect(needs.init).toEqual({ path: '/usr/lib/systemd/systemd', kind: 'systemd', systemdVersion: 219 });
  });
  const host = (release: string, mode: 'v1' | 'v2' | 'hybrid') => ({
    kernel: { release, version: kernelVersionParts(release) }, cgroup: { mode, v1: {}, keys: 'v1' as const, memsw: false }, openvz: { kernel: false, procVz: false, userBeancounters: false },
  });
  it('refuses a kernel older than glibc needs, explaining why', async () => {
    const needs = await inspectTemplateTree(root);
    const r = checkCompat(needs, host('2.6.18-406.el5', 'v1'), 'openvz');
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/glibc .* needs Linux ≥ 2\.6\.32 .* this host runs 2\.6\.18-406\.el5/);
    expect(checkCompat(needs, host('3.10.0-1160.vz7', 'v1'), 'openvz').ok).toBe(true);
  });
  it('refuses systemd that cannot boot on the host\'s cgroup layout', async () => {
    const needs = await inspectTemplateTree(root);
    expect(checkCompat(needs, host('6.1.0', 'v2'), 'lxc').problems.join()).toMatch(/systemd 219 predates cgroup v2/);
    expect(checkCompat(needs, host('6.1.0', 'hybrid'), 'lxc').ok).toBe(true);
    expect(checkCompat({ init: { path: '/usr/lib/systemd/systemd', kind: 'systemd', systemdVersion: 258 } }, host('6.1.0', 'hybrid'), 'lxc').problems.join()).toMatch(/needs the unified cgroup v2/);
    expect(systemdNeeds(258).minKernel).toEqual([5, 4, 0]);
  });
});

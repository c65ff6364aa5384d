// `vzbuild host`: what this host can do for deployment — kernel, OpenVZ or mainline,
// cgroup layout, overlayfs, LXC and vzctl — as one typed report. probeHost gathers;
// interpretHostFacts is pure, so every decision is testable with real samples.
import { kernelVersionParts, isOpenVzKernel, parseCgroupLayout, parseFilesystems, parseToolVersion, type CgroupLayout } from './parse.js';
import { gatherHostFacts, type GatherOptions, type HostFacts } from './gather.js';

export interface HostProbe {
  version: 1;
  kernel: { release: string; version: [number, number, number] };
  openvz: {
    kernel: boolean;
    procVz: boolean;
    userBeancounters: boolean;
    vzctl?: { path: string; version?: string };
    vzquota?: { path: string; version?: string };
  };
  cgroup: CgroupLayout & { memsw: boolean };
  overlay: { listed: boolean; mountTest?: { ok: boolean; error?: string }; usable: boolean };
  lxc?: { path: string; version?: string };
  templateArea: HostFacts['templateArea'];
  /** Drivers usable here, best first. */
  drivers: Array<'openvz' | 'lxc'>;
  /** Private-area modes usable here, best first. */
  privateModes: Array<'overlay' | 'hardlink' | 'copy'>;
  pageSize: number;
}

export function interpretHostFacts(f: HostFacts): HostProbe {
  const fs = parseFilesystems(f.filesystems);
  const cg = parseCgroupLayout(f.mounts, f.cgroup2Controllers);
  const ovListed = fs.includes('overlay');
  const ovUsable = ovListed && (f.overlayMount ? f.overlayMount.ok : true);
  const vz = isOpenVzKernel(f.release, f.procVz, f.userBeancounters !== undefined);
  const t = f.tools;
  const ver = (x: { path?: string; output?: string }) => (x.path ? { path: x.path, ...(x.output && parseToolVersion(x.output) ? { version: parseToolVersion(x.output) } : {}) } : undefined);
  const drivers: HostProbe['drivers'] = [];
  if (vz && t.vzctl.path) drivers.push('openvz');
  if (t.lxcStart.path && cg.mode !== 'none') drivers.push('lxc');
  const privateModes: HostProbe['privateModes'] = [];
  if (ovUsable) privateModes.push('overlay');
  privateModes.push('hardlink', 'copy');
  const vzctl = ver(t.vzctl);
  const vzquota = ver(t.vzquota);
  const lxc = ver(t.lxcStart);
  return {
    version: 1,
    kernel: { release: f.release, version: kernelVersionParts(f.release) },
    openvz: { kernel: vz, procVz: f.procVz, userBeancounters: f.userBeancounters !== undefined, ...(vzctl ? { vzctl } : {}), ...(vzquota ? { vzquota } : {}) },
    cgroup: { ...cg, memsw: f.memswFile },
    overlay: { listed: ovListed, ...(f.overlayMount ? { mountTest: f.overlayMount } : {}), usable: ovUsable },
    ...(lxc ? { lxc } : {}),
    templateArea: f.templateArea,
    drivers,
    privateModes,
    pageSize: f.pageSize,
  };
}

export async function probeHost(opts: GatherOptions): Promise<HostProbe> {
  return interpretHostFacts(await gatherHostFacts(opts));
}

export function formatHostProbe(p: HostProbe): string {
  const gib = (b?: number) => (b === undefined ? '?' : `${(b / 1024 ** 3).toFixed(1)} GiB`);
  const v1 = Object.entries(p.cgroup.v1).map(([c, m]) => `${c}@${m}`).join(' ');
  const lines = [
    `kernel        ${p.kernel.release}${p.openvz.kernel ? ' (OpenVZ)' : ' (mainline)'}`,
    `openvz        /proc/vz ${p.openvz.procVz ? 'yes' : 'no'}, /proc/user_beancounters ${p.openvz.userBeancounters ? 'yes' : 'no'}`,
    `vzctl         ${p.openvz.vzctl ? `${p.openvz.vzctl.version ?? '?'} (${p.openvz.vzctl.path})` : 'not found'}`,
    `vzquota       ${p.openvz.vzquota ? `${p.openvz.vzquota.version ?? '?'} (${p.openvz.vzquota.path})` : 'not found'}`,
    `cgroup        ${p.cgroup.mode}; container limits use ${p.cgroup.keys} keys${p.cgroup.memsw ? '; swap accounting on' : ''}`,
    ...(v1 ? [`  v1          ${v1}`] : []),
    ...(p.cgroup.v2 ? [`  v2          ${p.cgroup.v2.mountpoint}: ${p.cgroup.v2.controllers.join(' ') || '(no controllers enabled)'}`] : []),
    `overlayfs     ${p.overlay.listed ? 'listed' : 'not listed'}${p.overlay.mountTest ? (p.overlay.mountTest.ok ? ', test mount ok' : `, test mount failed: ${p.overlay.mountTest.error}`) : ''}`,
    `lxc           ${p.lxc ? `${p.lxc.version ?? '?'} (${p.lxc.path})` : 'not found'}`,
    `template area ${p.templateArea.path}: ${p.templateArea.exists ? `${gib(p.templateArea.freeBytes)} free of ${gib(p.templateArea.totalBytes)}` : 'does not exist yet'}`,
    `drivers       ${p.drivers.join(', ') || 'none'}`,
    `private areas ${p.privateModes.join(', ')}`,
  ];
  return lines.join('\n');
}

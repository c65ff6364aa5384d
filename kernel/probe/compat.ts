// Will this template run on this host? The template's glibc says which kernel it needs
// (NT_GNU_ABI_TAG in libc.so.6); its init says what systemd needs from the kernel and the
// cgroup layout. inspectTemplateTree reads an unpacked template root without following
// links out of it; checkCompat is pure and explains each refusal.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { abiTag, readElfNotes } from './elf-note.js';
import { compareVersionParts } from './parse.js';
import type { HostProbe } from './index.js';

export interface TemplateNeeds {
  libc?: { path: string; minKernel: string; parts: [number, number, number] };
  init?: { path: string; kind: 'systemd' | 'busybox' | 'upstart' | 'sysvinit' | 'other'; systemdVersion?: number };
}

const LIBC_CANDIDATES = ['lib64/libc.so.6', 'usr/lib64/libc.so.6', 'lib/x86_64-linux-gnu/libc.so.6', 'usr/lib/x86_64-linux-gnu/libc.so.6', 'lib/libc.so.6', 'usr/lib/libc.so.6'];

/** Resolve a path inside root, following symlinks as if root were "/" (never escaping it). */
export async function resolveInRoot(root: string, rel: string, hops = 40): Promise<string | undefined> {
  let parts = posix.normalize('/' + rel).split('/').filter(Boolean);
  let done: string[] = [];
  while (parts.length) {
    const name = parts.shift() as string;
    if (name === '..') {
      done.pop();
      continue;
    }
    const cur = join(root, ...done, name);
    let st;
    try {
      st = await lstat(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
    if (st.isSymbolicLink()) {
      if (--hops < 0) return undefined;
      const target = await readlink(cur);
      const tparts = target.split('/').filter((p) => p && p !== '.');
      if (target.startsWith('/')) done = [];
      parts = [...tparts, ...parts];
      continue;
    }
    done.push(name);
  }
  return done.join('/');
}

export async function inspectTemplateTree(root: string): Promise<TemplateNeeds> {
  const needs: TemplateNeeds = {};
  for (const c of LIBC_CANDIDATES) {
    const real = await resolveInRoot(root, c);
    if (!real) continue;
    try {
      const tag = abiTag(await readElfNotes(join(root, real)));
      if (tag) {
        needs.libc = { path: '/' + real, minKernel: tag.version, parts: tag.parts };
        break;
      }
    } catch (err) {
      // A stub or damaged libc (stub-repo templates carry text stand-ins): no ABI tag to check.
      if (!(err instanceof Error)) throw err;
    }
  }
  const init = await resolveInRoot(root, 'sbin/init');
  if (init) {
    const b = basename(init);
    let kind: NonNullable<TemplateNeeds['init']>['kind'] = b === 'systemd' ? 'systemd' : b === 'busybox' ? 'busybox' : 'other';
    if (kind === 'other') {
      const head = await readHead(join(root, init), 4 << 20);
      kind = head.includes('upstart') ? 'upstart' : head.includes('INIT_VERSION') || head.includes('sysvinit') ? 'sysvinit' : 'other';
    }
    needs.init = { path: '/' + init, kind };
    if (kind === 'systemd') {
      const v = await systemdVersion(root, init);
      if (v) needs.init.systemdVersion = v;
    }
  }
  return needs;
}

async function readHead(path: string, max: number): Promise<string> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(max);
    const { bytesRead } = await fh.read(b, 0, max, 0);
    return b.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

/** systemd ≥ 231 ships libsystemd-shared-NNN.so next to the binary; older ones print "systemd NNN". */
async function systemdVersion(root: string, init: string): Promise<number | undefined> {
  for (const dir of [posix.dirname(init), 'usr/lib/systemd', 'lib/systemd']) {
    let names: string[] = [];
    try {
      names = await readdir(join(root, dir));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    }
    for (const n of names) {
      const m = /^libsystemd-(?:shared|core)-(\d+)/.exec(n);
      if (m) return Number(m[1]);
    }
  }
  try {
    const text = (await readFile(join(root, init))).toString('latin1');
    const m = /\bsystemd (\d{2,3})\b/.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * systemd's kernel baseline by version, from its README "REQUIREMENTS" over the years
 * (approximate: the README states a minimum, distributions sometimes run older kernels).
 */
export function systemdNeeds(v: number): { minKernel: [number, number, number]; cgroup: 'v1' | 'any' | 'v2' } {
  if (v < 209) return { minKernel: [2, 6, 39], cgroup: 'v1' };
  if (v < 232) return { minKernel: [3, 7, 0], cgroup: v < 230 ? 'v1' : 'any' };
  if (v < 255) return { minKernel: [3, 13, 0], cgroup: 'any' };
  if (v < 256) return { minKernel: [4, 15, 0], cgroup: 'any' };
  // 256 refuses to boot on cgroup v1 without an override; 258 removed v1 support.
  return { minKernel: v < 258 ? [4, 15, 0] : [5, 4, 0], cgroup: 'v2' };
}

export interface CompatReport {
  ok: boolean;
  problems: string[];
  notes: string[];
}

export function checkCompat(needs: TemplateNeeds, host: Pick<HostProbe, 'kernel' | 'cgroup' | 'openvz'>, driver: 'lxc' | 'openvz'): CompatReport {
  const problems: string[] = [];
  const notes: string[] = [];
  const hk = host.kernel.version;
  if (needs.libc) {
    if (compareVersionParts(hk, needs.libc.parts) < 0)
      problems.push(`the template's glibc (${needs.libc.path}) needs Linux ≥ ${needs.libc.minKernel} (its ELF ABI tag), but this host runs ${host.kernel.release}: programs would fail with "FATAL: kernel too old"`);
    else notes.push(`glibc needs Linux ≥ ${needs.libc.minKernel}; host has ${host.kernel.release}`);
  } else notes.push('no libc.so.6 with an ABI tag in the template; kernel minimum not checked');
  const init = needs.init;
  if (init?.kind === 'systemd') {
    if (init.systemdVersion === undefined) notes.push(`init is systemd (${init.path}), version unknown; its needs not checked`);
    else {
      const need = systemdNeeds(init.systemdVersion);
      if (compareVersionParts(hk, need.minKernel) < 0)
        problems.push(`the template's init is systemd ${init.systemdVersion}, which needs Linux ≥ ${need.minKernel.join('.')}; this host runs ${host.kernel.release}`);
      if (driver === 'lxc') {
        if (need.cgroup === 'v2' && host.cgroup.mode !== 'v2')
          problems.push(`systemd ${init.systemdVersion} needs the unified cgroup v2 hierarchy (v1 support deprecated in 256, removed in 258), but this host's cgroups are ${host.cgroup.mode}`);
        if (need.cgroup === 'v1' && host.cgroup.mode === 'v2')
          problems.push(`systemd ${init.systemdVersion} predates cgroup v2 support and cannot boot on this host's pure cgroup v2 hierarchy`);
      }
      if (!problems.length) notes.push(`init is systemd ${init.systemdVersion}: kernel and cgroup needs met`);
    }
  } else if (init) notes.push(`init is ${init.kind} (${init.path})`);
  else notes.push('the template has no /sbin/init: `ct start` needs --init CMD');
  return { ok: problems.length === 0, problems, notes };
}

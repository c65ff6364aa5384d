// The thin, side-effecting half of the host probe: read the /proc and /sys files and run
// the version commands, returning their raw text. Everything is interpreted by the pure
// functions in ./parse.ts and ./index.ts, so tests can feed real samples instead.
import { access, mkdir, mkdtemp, readFile, rm, statfs } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { exec, which } from '../exec.js';

export interface ToolFacts {
  path?: string;
  /** The version command's output (stdout + stderr). */
  output?: string;
}

export interface HostFacts {
  release: string;
  procVz: boolean;
  userBeancounters?: string;
  mounts: string;
  filesystems: string;
  cgroup2Controllers?: string;
  memswFile: boolean;
  tools: { vzctl: ToolFacts; vzquota: ToolFacts; lxcStart: ToolFacts; tar: ToolFacts };
  /** Result of a real overlay mount in a temp dir (root only; undefined when not tried). */
  overlayMount?: { ok: boolean; error?: string };
  templateArea: { path: string; exists: boolean; freeBytes?: number; totalBytes?: number; freeInodes?: number };
  pageSize: number;
}

async function readOpt(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // Absent on this kernel (ENOENT) or not readable by us (EACCES): the probe reports "no".
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    // Any failure to access means "not usable here" for a probe.
    return false;
  }
}

async function tool(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolFacts> {
  const path = await which(name, env);
  if (!path) return {};
  try {
    // Some tools print their version on stderr or exit non-zero after printing usage.
    const r = await exec([path, ...args], { env, okCodes: [0, 1, 2], timeoutMs: 10_000 });
    return { path, output: (r.stdout + r.stderr).trim() };
  } catch (err) {
    return { path, output: `(failed: ${(err as Error).message})` };
  }
}

/** Mount a tiny overlay in a temp dir and unmount it: /proc/filesystems can list overlay while mounts still fail. */
export async function tryOverlayMount(tmpRoot: string): Promise<{ ok: boolean; error?: string }> {
  await mkdir(tmpRoot, { recursive: true });
  const dir = await mkdtemp(join(tmpRoot, 'ovl-probe-'));
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(dir, d));
  try {
    for (const d of [lower, upper, work, merged]) await mkdir(d);
    await exec(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { timeoutMs: 10_000 });
    await exec(['umount', merged], { timeoutMs: 10_000 });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message.split('\n').slice(-1)[0].trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface GatherOptions {
  templateArea: string;
  tmpDir: string;
  env?: NodeJS.ProcessEnv;
  /** Try a real overlay mount (needs root). Default: when running as root. */
  mountTest?: boolean;
}

export async function gatherHostFacts(opts: GatherOptions): Promise<HostFacts> {
  const env = opts.env ?? process.env;
  const mounts = (await readOpt('/proc/self/mounts')) ?? '';
  const cg2 = /^\S+ (\S+) cgroup2 /m.exec(mounts)?.[1];
  const memV1 = /^\S+ (\S+) cgroup \S*\bmemory\b/m.exec(mounts)?.[1];
  const [vzctl, vzquota, lxcStart, tar] = await Promise.all([
    tool('vzctl', ['--version'], env),
    tool('vzquota', ['-V'], env),
    tool('lxc-start', ['--version'], env),
    tool('tar', ['--version'], env),
  ]);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const area: HostFacts['templateArea'] = { path: opts.templateArea, exists: await exists(opts.templateArea) };
  if (area.exists) {
    const s = await statfs(opts.templateArea);
    area.freeBytes = s.bavail * s.bsize;
    area.totalBytes = s.blocks * s.bsize;
    area.freeInodes = s.ffree;
  }
  return {
    release: release(),
    procVz: await exists('/proc/vz'),
    userBeancounters: await readOpt('/proc/user_beancounters'),
    mounts,
    filesystems: (await readOpt('/proc/filesystems')) ?? '',
    cgroup2Controllers: cg2 ? await readOpt(join(cg2, 'cgroup.controllers')) : undefined,
    memswFile: memV1 ? await exists(join(memV1, 'memory.memsw.limit_in_bytes')) : false,
    tools: { vzctl, vzquota, lxcStart, tar },
    overlayMount: (opts.mountTest ?? isRoot) ? await tryOverlayMount(opts.tmpDir) : undefined,
    templateArea: area,
    pageSize: 4096,
  };
}

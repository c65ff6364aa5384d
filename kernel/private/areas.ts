// Private areas: where a container's files live and how they share the template.
//   copy     the cache unpacked into the CT's own tree (what vzctl does).
//   overlay  overlayfs: the template unpacked once (read-only lower, shared by every CT,
//            so they share its page cache) + a per-CT upper/work dir.
//   hardlink for hosts without overlayfs: the program directories (usr, bin, sbin, lib,
//            lib64, opt) are hard links to one template tree whose files are immutable
//            (chattr +i); everything else (etc, var, root, ...) is a private copy. A container
//            can read and run shared files but can't write, truncate, rename or unlink them
//            (EPERM), and it can't lift the flag because CAP_LINUX_IMMUTABLE is dropped in its
//            config. Linking and unlinking need the flag lifted for a moment; that is done
//            under a lock with every container on the same tree frozen (cgroup freezer), so
//            no container process runs while the files are writable. Trade-off: shared files
//            can't be updated inside the CT — use overlay or copy for CTs you will `yum update`.
import { mkdir, readdir, rename, rm, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { CtError } from '../errors.js';
import { exec } from '../exec.js';
import type { PrivateMode } from '../ct/record.js';
import { createCopyArea } from './copy.js';
import { ensureTemplateTree } from './template-tree.js';

export const SHARED_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib64', 'opt'];

export interface PrivateArea {
  mode: PrivateMode;
  root: string;
  privateDir: string;
  lower?: string;
}

export interface AreaInput {
  cacheDir: string;
  ctDir: string;
  cache: string;
  key: string;
  signal?: AbortSignal;
  /** Freeze/thaw the running CTs that share a hardlink tree (driver-provided). */
  freezeSharing?: (lower: string) => Promise<() => Promise<void>>;
}

export function areaPaths(ctDir: string, mode: PrivateMode): { root: string; privateDir: string } {
  if (mode === 'overlay') return { root: join(ctDir, 'rootfs'), privateDir: join(ctDir, 'private') };
  return { root: join(ctDir, 'private'), privateDir: join(ctDir, 'private') };
}

export async function createArea(mode: PrivateMode, a: AreaInput): Promise<PrivateArea> {
  const { root, privateDir } = areaPaths(a.ctDir, mode);
  if (mode === 'copy') {
    await createCopyArea(a.cache, a.ctDir, privateDir, a.signal);
    return { mode, root, privateDir };
  }
  if (mode === 'overlay') {
    const lower = await ensureTemplateTree(a.cacheDir, a.cache, a.key, 'shared', a.signal);
    await mkdir(join(privateDir, 'upper'), { recursive: true });
    await mkdir(join(privateDir, 'work'), { recursive: true });
    await mkdir(root, { recursive: true });
    const area = { mode, root, privateDir, lower };
    await mountArea(area);
    return area;
  }
  const lower = await ensureTemplateTree(a.cacheDir, a.cache, a.key, 'hardlink', a.signal);
  await withSharedFilesWritable(lower, a.freezeSharing, async (shared, rest) => {
    const tmp = `${privateDir}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    if (shared.length) await exec(['cp', '-a', '--link', ...shared.map((d) => join(lower, d)), tmp + '/']);
    if (rest.length) await exec(['cp', '-a', ...rest.map((d) => join(lower, d)), tmp + '/']);
    await rename(tmp, privateDir);
  });
  return { mode, root, privateDir, lower };
}

/** The top-level entries of a tree split into shared program dirs (real dirs only) and the rest. */
async function splitTop(lower: string): Promise<[string[], string[]]> {
  const shared: string[] = [];
  const rest: string[] = [];
  for (const n of (await readdir(lower)).sort()) {
    const st = await lstat(join(lower, n));
    (SHARED_DIRS.includes(n) && st.isDirectory() ? shared : rest).push(n);
  }
  return [shared, rest];
}

async function setImmutable(lower: string, dirs: string[], on: boolean): Promise<void> {
  if (!dirs.length) return;
  // Regular files only: directories stay writable in the lower tree (CTs never see them),
  // and chattr would open device nodes.
  await exec(['find', ...dirs.map((d) => join(lower, d)), '-type', 'f', '-exec', 'chattr', on ? '+i' : '-i', '{}', '+']);
}

/** Make the shared files immutable once, when a hardlink tree is first used. */
export async function sealHardlinkTree(lower: string): Promise<void> {
  const [shared] = await splitTop(lower);
  await setImmutable(lower, shared, true);
}

async function withSharedFilesWritable(
  lower: string,
  freeze: AreaInput['freezeSharing'],
  fn: (shared: string[], rest: string[]) => Promise<void>,
): Promise<void> {
  const [shared, rest] = await splitTop(lower);
  const thaw = freeze ? await freeze(lower) : async () => {};
  try {
    await setImmutable(lower, shared, false);
    try {
      await fn(shared, rest);
    } finally {
      await setImmutable(lower, shared, true);
    }
  } finally {
    await thaw();
  }
}

export async function isMounted(path: string): Promise<boolean> {
  const r = await exec(['mountpoint', '-q', path], { okCodes: [0, 1, 32] });
  return r.code === 0;
}

/** Mount an overlay area (idempotent); copy and hardlink areas need no mount. */
export async function mountArea(area: PrivateArea): Promise<void> {
  if (area.mode !== 'overlay') return;
  if (await isMounted(area.root)) return;
  if (!area.lower) throw new CtError('E_CT_RECORD', `overlay area ${area.privateDir} has no lower tree recorded`);
  const opts = `lowerdir=${area.lower},upperdir=${join(area.privateDir, 'upper')},workdir=${join(area.privateDir, 'work')}`;
  await exec(['mount', '-t', 'overlay', 'overlay', '-o', opts, area.root]);
}

export async function unmountArea(area: PrivateArea): Promise<void> {
  if (area.mode !== 'overlay') return;
  if (await isMounted(area.root)) await exec(['umount', area.root]);
}

/** Remove a CT's private area; the shared tree is never touched except to relink its flags. */
export async function destroyArea(area: PrivateArea, freeze?: AreaInput['freezeSharing']): Promise<void> {
  await unmountArea(area);
  if (area.mode === 'hardlink' && area.lower) {
    const lower = area.lower;
    await withSharedFilesWritable(lower, freeze, async () => {
      await rm(area.privateDir, { recursive: true, force: true });
    });
  } else await rm(area.privateDir, { recursive: true, force: true });
  if (area.mode === 'overlay') await rm(area.root, { recursive: true, force: true });
}

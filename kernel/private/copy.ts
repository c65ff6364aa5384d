// Deploy's copy mode: the template cache unpacked into the CT's own private area, as vzctl's
// vps-create does (free-space check, then `tar -x` keeping numeric owners, modes and links),
// but decompressed with every core: GNU tar's built-in choice (gzip, xz without -T) runs one
// thread, and on a 2-core host that single decompressor is the whole cost of a deploy.
// Unpacks into a temp dir renamed into place, so an interrupted deploy leaves no half area.
import { mkdir, rename, rm } from 'node:fs/promises';
import { exec, which } from '../exec.js';
import { checkFreeSpace } from './space.js';

const memo = new Map<string, Promise<string | undefined>>();

/** Reset hook for tests (the which() answers are memoised per process). */
export function resetDecompressorMemo(): void {
  memo.clear();
}

async function have(tool: string): Promise<string | undefined> {
  let p = memo.get(tool);
  if (!p) memo.set(tool, (p = which(tool)));
  return p;
}

/**
 * `tar -I` program for a cache, or undefined for tar's own. pigz inflates on one thread too,
 * but reads, writes and checks the CRC on others (~2× gzip); xz decompresses the blocks
 * that `xz -T0` (our packer) wrote in parallel; zstd is fast single-threaded.
 */
export async function decompressorFor(cache: string): Promise<string | undefined> {
  if (cache.endsWith('.tar.gz') || cache.endsWith('.tgz')) return (await have('pigz')) ? 'pigz' : undefined;
  if (cache.endsWith('.tar.xz')) return 'xz -T0';
  if (cache.endsWith('.tar.bz2')) return (await have('lbzip2')) ? 'lbzip2' : undefined;
  return undefined;
}

/**
 * Argv that unpacks `cache` into `dir` (pure but for the decompressor lookup). GNU tar
 * restores xattrs only when asked: without --xattrs, file capabilities (ping's
 * cap_net_raw) are silently dropped.
 */
export async function unpackArgv(cache: string, dir: string): Promise<string[]> {
  const prog = await decompressorFor(cache);
  return ['tar', '--numeric-owner', '--xattrs', '--xattrs-include=*', ...(prog ? ['-I', prog] : []), '-xpf', cache, '-C', dir];
}

/** The copy-mode private area: checked for space, unpacked beside its final name, renamed. */
export async function createCopyArea(cache: string, ctDir: string, privateDir: string, signal?: AbortSignal): Promise<void> {
  await checkFreeSpace(cache, ctDir);
  const tmp = `${privateDir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await exec(await unpackArgv(cache, tmp), { signal });
  await rename(tmp, privateDir);
}

// "Is there room to unpack this template cache?", checked before unpacking as vzctl's
// vps-create script does (it compares the cache's uncompressed size with the free space of
// the private area and fails with "Insufficient disk space"). The uncompressed size comes
// from the compressor's own index (gzip ISIZE trailer, xz --robot --list, zstd -lv) when it
// has one, else from a `tar -tv` listing.
import { open, mkdir, stat, statfs } from 'node:fs/promises';
import { CtError } from '../errors.js';
import { exec } from '../exec.js';

/** `xz --robot --list FILE`: the "totals" line's 5th field is the uncompressed size. */
export function parseXzRobotList(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('totals\t'));
  const v = line ? Number(line.split('\t')[4]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

/** `zstd -lv FILE`: "Decompressed Size: 1.00 MiB (1048576 B)". */
export function parseZstdList(text: string): number | undefined {
  const m = /Decompressed Size:.*\((\d+) B\)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** `tar -tvf` lines: "-rw-r--r-- 0/0  1234 2020-01-01 00:00 ./etc/x"; bytes rounded up to 4 KiB blocks. */
export function sumTarListing(text: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^\S{10}\s+\S+\s+(\d+)\s/.exec(line);
    if (m) total += Math.ceil(Number(m[1]) / 4096) * 4096 + 4096 * (line[0] === 'd' ? 1 : 0);
  }
  return total;
}

export async function unpackedSize(cache: string): Promise<number> {
  const st = await stat(cache);
  if (cache.endsWith('.tar')) return st.size;
  if ((cache.endsWith('.gz') || cache.endsWith('.tgz')) && st.size < 2 ** 32) {
    // The gzip trailer's ISIZE is the size mod 2^32 — what `gzip -l` (and so vps-create)
    // reports. It under-reports trees over 4 GiB; a value below the compressed size proves a
    // wrap, and then we count with tar instead.
    const fh = await open(cache, 'r');
    try {
      const b = Buffer.alloc(4);
      await fh.read(b, 0, 4, st.size - 4);
      const isize = b.readUInt32LE(0);
      if (isize >= st.size) return isize;
    } finally {
      await fh.close();
    }
  }
  if (cache.endsWith('.xz')) {
    const v = parseXzRobotList((await exec(['xz', '--robot', '--list', cache])).stdout);
    if (v !== undefined) return v;
  }
  if (cache.endsWith('.zst')) {
    const r = await exec(['zstd', '-lv', cache], { okCodes: [0, 1] });
    const v = parseZstdList(r.stdout + r.stderr);
    if (v !== undefined) return v;
  }
  return sumTarListing((await exec(['tar', '-tvf', cache])).stdout);
}

/** Refuse before unpacking when the target filesystem can't hold the tree (plus 10% slack). */
export async function checkFreeSpace(cache: string, targetDir: string): Promise<{ needed: number; available: number }> {
  await mkdir(targetDir, { recursive: true });
  const needed = Math.ceil((await unpackedSize(cache)) * 1.1);
  const s = await statfs(targetDir);
  const available = s.bavail * s.bsize;
  if (available < needed)
    throw new CtError('E_NO_SPACE', `insufficient disk space in ${targetDir} to unpack ${cache}: needed ${Math.ceil(needed / 1024)} KiB, available ${Math.floor(available / 1024)} KiB`);
  return { needed, available };
}

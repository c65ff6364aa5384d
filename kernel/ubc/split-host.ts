// Reading the host facts vzsplit read (/proc/meminfo, threads-max, cpuinfo, statfs of the
// container area). The sizing itself is the pure splitUbc in ./split.ts.
import { readFile, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseBogomips, parseMeminfo } from '../probe/parse.js';
import type { SplitHost } from './split.js';

async function statfsUp(path: string): Promise<{ blocks: number; files: number; bsize: number }> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return { blocks: s.blocks, files: s.files, bsize: s.bsize };
    } catch (err) {
      // The area may not exist yet: size the filesystem it will be created on.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) throw err;
    }
  }
}

export async function gatherSplitHost(area: string, opts: { swapKiB?: number } = {}): Promise<SplitHost> {
  const mem = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
  const threadsMax = Number((await readFile('/proc/sys/kernel/threads-max', 'utf8')).trim());
  const bogomips = parseBogomips(await readFile('/proc/cpuinfo', 'utf8'));
  return {
    memTotal: mem.memTotal,
    ...(mem.lowTotal !== undefined ? { lowTotal: mem.lowTotal } : {}),
    swapTotal: opts.swapKiB !== undefined ? opts.swapKiB * 1024 : mem.swapTotal,
    threadsMax,
    pageSize: 4096,
    disk: await statfsUp(area),
    ...(bogomips ? { bogomips } : {}),
  };
}

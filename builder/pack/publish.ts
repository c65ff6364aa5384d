// Publishing finished artifacts into the output directory: atomic renames, the previous
// cache kept as `<name>-old.*` for rollback (as vzpkg did), SHA256SUMS kept current.
// A reader of the output directory sees an old artifact or a new one, never a partial one.
import { link, lstat, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors.js';
import { fsyncDir, pathExists as exists, tempNameFor, unlinkQuiet, writeFileAtomic } from '../../cache/atomic.js';
import { pidAlive } from '../../cache/store-lock.js';

/**
 * Move `tmp` (file or directory) to `final`. With `oldPath`, whatever was at `final` first
 * becomes `oldPath` (replacing an older rollback copy). Files: the current name never
 * disappears (hard link to -old, then rename over). Directories cannot be swapped
 * atomically without renameat2, so there is a moment with only `-old` present.
 */
export async function publishPath(tmp: string, final: string, oldPath?: string): Promise<void> {
  const isDir = (await lstat(tmp)).isDirectory();
  if (oldPath && (await exists(final))) {
    if (isDir) {
      await rm(oldPath, { recursive: true, force: true });
      await rename(final, oldPath);
    } else {
      const t = tempNameFor(oldPath);
      await link(final, t);
      await rename(t, oldPath);
    }
  } else if (isDir && (await exists(final))) {
    const t = tempNameFor(final);
    await rename(final, t);
    await rm(t, { recursive: true, force: true });
  }
  await rename(tmp, final);
  await fsyncDir(join(final, '..'));
}

/** Remove temps left in `dir` by packs that died (their pid is gone). */
export async function cleanStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const m = /^\..+\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (m && !pidAlive(Number(m[1]))) await rm(join(dir, name), { recursive: true, force: true });
  }
}

async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (!pidAlive(pid)) await unlinkQuiet(lockPath);
      else if (i > 1200) throw new Error(`${lockPath}: held by pid ${pid} for over a minute`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await unlinkQuiet(lockPath);
  }
}

/**
 * Update SHA256SUMS in `dir`: `set` gives new lines (file → sha256), `renamed` moves a
 * current line to its -old name. Other templates' lines in the same directory are kept.
 */
export async function updateSums(dir: string, set: Record<string, string>, renamed: Record<string, string>): Promise<string> {
  const path = join(dir, 'SHA256SUMS');
  await withFileLock(join(dir, '.SHA256SUMS.lock'), async () => {
    const sums = new Map<string, string>();
    try {
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
        if (m) sums.set(m[2], m[1]);
      }
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    for (const [from, to] of Object.entries(renamed)) {
      const v = sums.get(from);
      if (v) sums.set(to, v);
    }
    for (const [f, v] of Object.entries(set)) sums.set(f, v);
    for (const f of [...sums.keys()]) if (!(await exists(join(dir, f)))) sums.delete(f);
    const lines = [...sums].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([f, v]) => `${v}  ${f}\n`);
    await writeFileAtomic(path, lines.join(''));
  });
  return path;
}

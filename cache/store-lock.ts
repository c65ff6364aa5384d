// A readers/writer lock between processes sharing a store: builds hold it shared (many at
// once), gc holds it exclusive. Node has no flock(2), so the lock is files in locks/:
// `shared.<pid>.<rand>` per holder and one `exclusive` holding the gc's pid.
//
// The two sides publish first and look second (shared creates its file, then checks for
// `exclusive`; gc creates `exclusive`, then checks for shared files), so whichever comes
// second always sees the other. Holders whose pid is gone (a crashed build) are ignored
// and their files removed, so a crash never wedges the store.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../builder/errors.js';
import { StoreBusyError } from './errors.js';

export type LockMode = 'shared' | 'exclusive';

export interface StoreLockOptions {
  /** How long to wait for the other side before failing with E_STORE_BUSY (default 10 min). */
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

export interface StoreLock {
  mode: LockMode;
  release(): Promise<void>;
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — alive.
    return isErrno(err, 'EPERM');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function unlinkQuiet(p: string): Promise<void> {
  try {
    await unlink(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err; // already gone: someone cleaned it, fine
  }
}

/** The pid holding `exclusive`, if that process is alive; a dead holder's file is removed. */
async function liveExclusive(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'exclusive'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const pid = Number.parseInt(text, 10);
  if (pidAlive(pid)) return pid;
  // Rename before unlinking so two cleaners never delete a fresh lock taken in between.
  const stale = join(dir, `stale.${randomBytes(6).toString('hex')}`);
  try {
    await rename(join(dir, 'exclusive'), stale);
    await unlinkQuiet(stale);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  return undefined;
}

async function liveShared(dir: string, self?: string): Promise<string[]> {
  const live: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith('shared.') || name === self) continue;
    const pid = Number.parseInt(name.split('.')[1] ?? '', 10);
    if (pidAlive(pid)) live.push(name);
    else await unlinkQuiet(join(dir, name));
  }
  return live;
}

export async function acquireStoreLock(dir: string, mode: LockMode, opts: StoreLockOptions = {}): Promise<StoreLock> {
  await mkdir(dir, { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  const poll = opts.pollMs ?? 100;
  if (mode === 'shared') {
    const name = `shared.${process.pid}.${randomBytes(6).toString('hex')}`;
    for (;;) {
      await writeFile(join(dir, name), '', { flag: 'wx' });
      const holder = await liveExclusive(dir);
      if (holder === undefined) return { mode, release: () => unlinkQuiet(join(dir, name)) };
      await unlinkQuiet(join(dir, name));
      if (Date.now() >= deadline) throw new StoreBusyError(`store ${dir}: gc (pid ${holder}) holds the exclusive lock`);
      opts.signal?.throwIfAborted();
      await sleep(poll);
    }
  }
  const path = join(dir, 'exclusive');
  for (;;) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    const holder = await liveExclusive(dir);
    if (holder !== undefined && Date.now() >= deadline) throw new StoreBusyError(`store ${dir}: another gc (pid ${holder}) holds the exclusive lock`);
    opts.signal?.throwIfAborted();
    if (holder !== undefined) await sleep(poll);
  }
  for (;;) {
    const readers = await liveShared(dir);
    if (!readers.length) return { mode, release: () => unlinkQuiet(path) };
    if (Date.now() >= deadline || opts.signal?.aborted) {
      await unlinkQuiet(path);
      opts.signal?.throwIfAborted();
      throw new StoreBusyError(`store ${dir}: ${readers.length} build(s) hold the store (${readers.join(', ')})`);
    }
    await sleep(poll);
  }
}

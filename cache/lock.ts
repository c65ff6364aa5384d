// Cross-process lock files for the shared state directory. A lock is a file created with
// O_EXCL holding {pid, host, time}; its holder touches it as a heartbeat. A waiter breaks
// a lock whose holder is a dead pid on this host, or whose heartbeat stopped (another host
// on a shared cache, or a reused pid). Breaking is rename-then-unlink, so two waiters can
// never both remove the same live lock file by name.
//
// Locks only prevent duplicated work: whatever they guard must still be written atomically
// (unique temp + rename), so a wrongly broken lock costs time, never correctness.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../builder/errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  time: number;
}

export interface FileLock {
  path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  signal?: AbortSignal;
  /** A lock whose heartbeat is older than this is stale (default 60 s). */
  staleMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: (holder: LockInfo | undefined) => void;
}

const HOST = hostname();

/** Take the lock, waiting for a live holder and breaking a stale one. */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<FileLock> {
  const staleMs = opts.staleMs ?? 60_000;
  let delay = 20;
  let told = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const got = await tryLock(path, staleMs);
    if ('release' in got) return got;
    if (await isStale(path, got.holder, staleMs)) {
      await breakLock(path, got.holder);
      continue;
    }
    if (!told) {
      told = true;
      opts.onWait?.(got.holder);
    }
    await sleep(delay, undefined, { signal: opts.signal });
    delay = Math.min(delay * 2, 250);
  }
}

/** One attempt: the lock, or who holds it (undefined while the holder is still writing it). */
export async function tryLock(path: string, staleMs = 60_000): Promise<FileLock | { holder: LockInfo | undefined }> {
  const info: LockInfo = { pid: process.pid, host: HOST, time: Date.now() };
  try {
    // One call: exclusive create, write, close.
    await writeFile(path, JSON.stringify(info), { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      await mkdir(dirname(path), { recursive: true });
      return tryLock(path, staleMs);
    }
    if (!isErrno(err, 'EEXIST')) throw err;
    return { holder: await readLockInfo(path) };
  }
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {
      // The lock was broken under us (we looked stale); the atomic write protocol keeps
      // the guarded data safe, so losing the heartbeat is not an error here.
    });
  }, Math.max(staleMs / 4, 50));
  beat.unref();
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      // Only remove the file if it is still ours (it may have been broken and retaken).
      const now = await readLockInfo(path);
      if (now && now.pid === info.pid && now.host === info.host && now.time === info.time) {
        await unlink(path).catch((e) => {
          if (!isErrno(e, 'ENOENT')) throw e;
        });
      }
    },
  };
}

async function readLockInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const raw = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof raw.pid === 'number' && typeof raw.host === 'string' ? raw : undefined;
  } catch (err) {
    // Gone (released meanwhile) or half-written by a holder between open and write.
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    return !isErrno(err, 'ESRCH');
  }
}

async function isStale(path: string, holder: LockInfo | undefined, staleMs: number): Promise<boolean> {
  if (holder && holder.host === HOST && holder.pid !== process.pid && !pidAlive(holder.pid)) return true;
  try {
    const st = await stat(path);
    return Date.now() - st.mtimeMs > staleMs;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false; // released meanwhile: just retry
    throw err;
  }
}

async function breakLock(path: string, seen: LockInfo | undefined): Promise<void> {
  const aside = `${path}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return; // someone else broke or released it
    throw err;
  }
  const moved = await readLockInfo(aside);
  if (seen && moved && (moved.pid !== seen.pid || moved.time !== seen.time)) {
    // We raced another breaker and moved a fresh lock: put it back unless the name was
    // taken again meanwhile (link never overwrites), then drop our alias.
    await link(aside, path).catch((e) => {
      if (!isErrno(e, 'EEXIST')) throw e;
    });
  }
  await unlink(aside).catch((e) => {
    if (!isErrno(e, 'ENOENT')) throw e;
  });
}

// Download one file into a partial file with mirror failover, Range resume and checksum
// verification while it streams. The caller owns the partial file (under the package lock)
// and moves it into the cache only after this returns.
//
// Failure policy, per file: a transient failure (reset, timeout, too slow, truncation, 5xx)
// that made progress resumes on the same mirror (Range) a few times; otherwise the next
// mirror is tried, resuming from the bytes already written. A permanent failure (404, wrong
// size, wrong bytes) drops the mirror for this file. Rounds over the remaining mirrors
// repeat with exponential backoff. Wrong bytes always discard the partial file.
import { closeSync, createWriteStream, fstatSync, fsync, openSync, readSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { open, stat, truncate } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import { isErrno } from '../errors.js';
import { digestPrefix, formatChecksum, StreamDigest, type Checksum } from './checksum.js';
import { DownloadError, type MirrorFailure } from './errors.js';
import { guardLowSpeed, type HttpClient } from './http.js';
import { mirrorOrder, type MirrorSet } from './mirrors.js';

export interface FileSpec {
  /** What the file is, for messages (NEVRA, or repo id + path). */
  subject: string;
  /** Path relative to a mirror's base URL. */
  location: string;
  size?: number;
  checksum: Checksum;
}

export interface DownloadOptions {
  http: HttpClient;
  hosts: HostLimiter;
  /** Extra rounds over the mirrors after the first (default 2). */
  retries: number;
  /** First backoff between rounds; doubles each round (default 500 ms). */
  backoffMs: number;
  /** Resumes on the same mirror after a transfer broke off (default 3). */
  resumes: number;
  signal?: AbortSignal;
  /** Bytes received (negative when a partial file is discarded), for progress. */
  onBytes?: (n: number) => void;
  onRetry?: (url: string, reason: string) => void;
}

export interface Downloaded {
  sha256: string;
  size: number;
  url: string;
  /** Bytes that were already present from an earlier interrupted attempt. */
  resumedFrom: number;
}

type Kind = 'transient' | 'permanent' | 'badbytes';

class AttemptError extends Error {
  constructor(
    readonly kind: Kind,
    message: string,
    readonly progressed = false,
  ) {
    super(message);
  }
}

/** Limits parallel requests per host (the global limit is the caller's queue). */
export class HostLimiter {
  private readonly queues = new Map<string, PQueue>();
  constructor(readonly perHost: number) {}
  run<T>(href: string, fn: () => Promise<T>): Promise<T> {
    const host = new URL(href).host || 'file';
    let q = this.queues.get(host);
    if (!q) this.queues.set(host, (q = new PQueue({ concurrency: this.perHost })));
    return q.add(fn);
  }
}

/** `partSize`: the partial file's size when the caller knows it (saves a stat per file). */
export async function downloadFile(spec: FileSpec, mirrors: MirrorSet, part: string, o: DownloadOptions, partSize?: number): Promise<Downloaded> {
  const failures = new Map<string, MirrorFailure>();
  const dropped = new Set<string>();
  const initial = partSize ?? (await sizeOf(part));
  let known: number | undefined = initial;
  for (let round = 0; round <= o.retries; round++) {
    const order = mirrorOrder(mirrors).filter((b) => !dropped.has(b));
    if (!order.length) break;
    if (round > 0) await sleep(o.backoffMs * 2 ** (round - 1) * (0.75 + Math.random() / 2), undefined, { signal: o.signal });
    for (const base of order) {
      const url = base + spec.location;
      for (let resumes = 0; ; resumes++) {
        try {
          const size = await o.hosts.run(url, () => {
            const k = known;
            known = undefined; // after any attempt the file may have changed: stat again
            return attempt(url, spec, mirrors, part, o, k);
          });
          return { ...size, url, resumedFrom: initial };
        } catch (err) {
          if (o.signal?.aborted) throw o.signal.reason ?? err;
          if (!(err instanceof AttemptError)) throw err;
          const f = failures.get(base) ?? { url: base, reason: '', attempts: 0 };
          f.reason = err.message;
          f.attempts++;
          failures.set(base, f);
          mirrors.penalty.set(base, (mirrors.penalty.get(base) ?? 0) + 1);
          o.onRetry?.(url, err.message);
          if (err.kind !== 'transient') dropped.add(base);
          if (err.kind === 'transient' && err.progressed && resumes < o.resumes) continue;
          break;
        }
      }
    }
  }
  throw new DownloadError(`${spec.subject} (${spec.location})`, [...failures.values()]);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
}

async function restart(part: string, had: number, o: DownloadOptions): Promise<void> {
  await truncate(part, 0).catch((e) => {
    if (!isErrno(e, 'ENOENT')) throw e;
  });
  if (had) o.onBytes?.(-had);
}

function classifyStatus(status: number): Kind {
  return status >= 500 || status === 429 || status === 408 ? 'transient' : 'permanent';
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { event?: string };
  if (e?.name === 'TimeoutError') return `timed out (${e.event ?? 'request'})`;
  if (e?.code === 'ECONNRESET') return 'connection reset';
  return e?.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : (e?.message ?? String(err));
}

async function attempt(url: string, spec: FileSpec, mirrors: MirrorSet, part: string, o: DownloadOptions, knownSize?: number): Promise<{ sha256: string; size: number }> {
  let offset = knownSize ?? (await sizeOf(part));
  if (spec.size !== undefined && offset > spec.size) {
    await restart(part, offset, o);
    offset = 0;
  }
  let digest = new StreamDigest(spec.checksum);
  await digestPrefix(part, offset, digest, o.signal);
  if (spec.size !== undefined && offset === spec.size && offset > 0) {
    const d = digest.digest();
    if (d.ok) {
      const fh = await open(part, 'r');
      await fh.datasync().finally(() => fh.close());
      return { sha256: d.sha256, size: offset };
    }
    await restart(part, offset, o);
    offset = 0;
    digest = new StreamDigest(spec.checksum);
  }
  if (url.startsWith('file:')) {
    await copyLocal(fileURLToPath(url), part, offset, spec, digest, o);
    return verified(digest, spec.size, offset, offset, part, spec, o);
  }
  const startedAt = offset;
  let res;
  try {
    res = await o.http.open(url, { offset, tls: mirrors.tls, signal: o.signal });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw new AttemptError('transient', describe(err));
  }
  const { status, headers, body } = res;
  let total: number | undefined;
  if (offset > 0 && status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(headers['content-range'] ?? ''));
    if (!m || Number(m[1]) !== offset) {
      body.destroy();
      await restart(part, offset, o);
      throw new AttemptError('transient', `answered Range bytes=${offset}- with Content-Range "${headers['content-range'] ?? ''}"; restarting from 0`, true);
    }
    if (m[3] !== '*') total = Number(m[3]);
  } else if (status === 200) {
    if (offset > 0) {
      // The server ignored Range and sends the whole file: start over with it.
      await restart(part, offset, o);
      offset = 0;
      digest = new StreamDigest(spec.checksum);
    }
    if (headers['content-length'] !== undefined) total = Number(headers['content-length']);
  } else if (status === 416 && offset > 0) {
    body.destroy();
    await restart(part, offset, o);
    throw new AttemptError('transient', `HTTP 416 for Range bytes=${offset}-; restarting from 0`, true);
  } else {
    body.destroy();
    throw new AttemptError(classifyStatus(status), `HTTP ${status}`);
  }
  if (spec.size !== undefined && total !== undefined && total !== spec.size) {
    body.destroy();
    throw new AttemptError('permanent', `serves ${total} bytes, the lock says ${spec.size}`);
  }
  const limit = spec.size ?? total;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (limit !== undefined && digest.bytes + chunk.length > limit) return cb(new AttemptError('badbytes', `sent more than the expected ${limit} bytes`));
      digest.update(chunk);
      o.onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  const stopGuard = guardLowSpeed(body, o.http.settings);
  try {
    // flush: fsync before close, so the caller can rename it into the cache without reopening.
    await pipeline(body, meter, createWriteStream(part, { flags: offset > 0 ? 'r+' : 'w', start: offset, flush: true }), { signal: o.signal });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    if (err instanceof AttemptError) {
      await restart(part, digest.bytes, o);
      throw err;
    }
    throw new AttemptError('transient', describe(err), digest.bytes > offset);
  } finally {
    stopGuard();
  }
  return verified(digest, limit, startedAt, offset, part, spec, o);
}

/**
 * After a transfer: all bytes there and the right ones, or an AttemptError (the partial file
 * reset when its bytes are bad). `startedAt`: bytes there before this attempt; `offset`: where
 * the transfer wrote from (0 when a server ignored Range and the file was restarted).
 */
async function verified(digest: StreamDigest, limit: number | undefined, startedAt: number, offset: number, part: string, spec: FileSpec, o: DownloadOptions): Promise<{ sha256: string; size: number }> {
  if (limit !== undefined && digest.bytes < limit) {
    throw new AttemptError('transient', `truncated: got ${digest.bytes} of ${limit} bytes`, digest.bytes > offset);
  }
  const d = digest.digest();
  if (!d.ok) {
    await restart(part, digest.bytes, o);
    const msg = `wrong bytes: ${spec.checksum.algo} is ${d.actual}, expected ${formatChecksum(spec.checksum)}`;
    // If earlier bytes came from another attempt, they may be the bad ones: retry this mirror from 0.
    throw new AttemptError(startedAt > 0 ? 'transient' : 'badbytes', msg, startedAt > 0);
  }
  return { sha256: d.sha256, size: digest.bytes };
}

const LOCAL_CHUNK = 1 << 20;
const fsyncAsync = promisify(fsync);
let localBuf: Buffer | undefined;

/**
 * A file:// mirror (a local repo, an NFS mount): copied with plain synchronous reads and
 * writes through one reused buffer. A stream pipeline per file costs a few ms of CPU in
 * objects and callbacks; for a local repo of small RPMs that is most of the fetch. Same
 * rules as a download: resume at `offset`, the lock's size checked first, every byte
 * hashed, the copy flushed before the caller renames it into the cache.
 */
async function copyLocal(src: string, part: string, offset: number, spec: FileSpec, digest: StreamDigest, o: DownloadOptions): Promise<void> {
  let fd: number;
  try {
    fd = openSync(src, 'r');
  } catch (err) {
    throw new AttemptError(isErrno(err, 'ENOENT') ? 'permanent' : 'transient', isErrno(err, 'ENOENT') ? 'HTTP 404 (no such file)' : describe(err));
  }
  let out: number | undefined;
  try {
    const size = fstatSync(fd).size;
    if (spec.size !== undefined && size !== spec.size) throw new AttemptError('permanent', `serves ${size} bytes, the lock says ${spec.size}`);
    out = openSync(part, offset > 0 ? 'r+' : 'w');
    const buf = (localBuf ??= Buffer.allocUnsafe(LOCAL_CHUNK));
    for (let pos = offset, n; (n = readSync(fd, buf, 0, LOCAL_CHUNK, pos)) > 0; pos += n) {
      if (digest.bytes + n > size) throw new AttemptError('badbytes', `grew while being read (more than ${size} bytes)`);
      const chunk = buf.subarray(0, n);
      digest.update(chunk);
      for (let w = 0; w < n; ) w += writeSync(out, chunk, w, n - w, pos + w);
      o.onBytes?.(n);
      // Let other work (progress, a signal) in between big files' chunks.
      if ((pos - offset) % (8 * LOCAL_CHUNK) === 0 && pos > offset) {
        await yieldLoop();
        o.signal?.throwIfAborted();
      }
    }
    // On the threadpool: a flush waits on the disk, and other copies can go on meanwhile.
    await fsyncAsync(out);
  } catch (err) {
    if (err instanceof AttemptError || o.signal?.aborted) throw err;
    throw new AttemptError('transient', describe(err), digest.bytes > offset);
  } finally {
    closeSync(fd);
    if (out !== undefined) closeSync(out);
  }
}

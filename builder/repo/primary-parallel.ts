// primary.xml on several threads. Scanning the XML is most of a cold resolve (CS9
// AppStream: 52 MB, 17,649 packages), and it splits well: the document is a flat list of
// <package> elements. The main thread reads, verifies and decompresses the file as before
// (metadata-stream.ts), cuts the text into pieces at <package> starts and hands them to
// worker threads (primary.worker.ts). Each answers with its packages in the parse cache's
// binary form (packages-codec.ts), transferred rather than copied; the main thread unpacks
// the answers in document order, makes one package store of them (package-store.ts) and
// keeps the buffers, which together are the cache file: nothing is encoded twice.
//
// Splitting needs no understanding of the XML: a piece starts at "<package" followed by a
// space or ">". Only a comment or CDATA section holding such text could mislead it, and
// then a piece is not well-formed on its own and fails; any failure (or a worker that
// cannot start) makes the caller parse the whole file on its own thread, which also
// reports a real syntax error with its real line number.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readMetadata, type MetadataFile } from './metadata-stream.js';
import { PackageStore } from './package-store.js';
import { unpack, type Unpacked } from './packages-codec.js';
import type { PieceRequest, PieceResult } from './primary.worker.js';

/**
 * A worker thread costs ~0.3 s of CPU before it runs at full speed (its own isolate
 * compiles and warms up the scanner; measured on RHEL 6's 12 MB primary: 2 workers took
 * 0.95 s of CPU where this thread takes 0.65 s). That pays off only on big files, and
 * only when a core is idle: on a busy machine it is all cost.
 */
const MIN_PARALLEL_BYTES = 24 << 20;
const MAX_THREADS = 4;

/** Worker threads to parse `openSize` bytes of primary.xml with: 0 = on this thread. */
export function primaryThreads(openSize: number | undefined, wanted?: number): number {
  if (wanted !== undefined) return Math.max(0, Math.min(wanted, MAX_THREADS));
  if (openSize === undefined || openSize < MIN_PARALLEL_BYTES) return 0;
  const cores = availableParallelism();
  const idle = Math.floor(cores - loadavg()[0]);
  return cores >= 2 && idle >= 1 ? Math.min(cores, MAX_THREADS) : 0;
}

/**
 * The worker's code beside this module: compiled (the CLI bundle, dist/) or, when running
 * from the TypeScript sources (tests, tsx), the .ts file through tsx's loader.
 */
function workerSource(): { url: URL; execArgv?: string[] } | undefined {
  const js = new URL('./primary.worker.js', import.meta.url);
  if (existsSync(js)) return { url: js };
  const ts = new URL('./primary.worker.ts', import.meta.url);
  if (existsSync(ts)) return { url: ts, execArgv: ['--import', 'tsx'] };
  return undefined;
}

export interface ParallelPrimary {
  store: PackageStore;
  /** Each piece's packages in the cache's binary form, in document order. */
  parts: Buffer[];
  /** The <metadata packages="N"> count. */
  declared?: number;
}

/** Where the last "<package" element (not "<packager>") starts in buf, after `from`; -1: none. */
function lastPackageStart(buf: Uint8Array, from: number): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = b.lastIndexOf('<package', b.length - 9, 'latin1'); i >= from; i = i > 0 ? b.lastIndexOf('<package', i - 1, 'latin1') : -1) {
    const c = b[i + 8];
    if (c === 0x20 || c === 0x3e || c === 0x0a || c === 0x09 || c === 0x0d) return i;
  }
  return -1;
}

/** One Uint8Array that owns its memory (it is transferred to a worker). */
function joined(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Parse primary.xml on `threads` worker threads. Resolves to undefined when a piece
 * failed or a worker could not run: the caller then parses the file the ordinary way.
 * Errors of the file itself (missing, checksum, compression) reject as readMetadata's do.
 */
export async function parsePrimaryParallel(file: MetadataFile, threads: number, openSize: number | undefined): Promise<ParallelPrimary | undefined> {
  const source = workerSource();
  if (!source || threads < 1) return undefined;
  const workers = Array.from({ length: threads }, () => new Worker(source.url, { execArgv: source.execArgv }));
  const load = new Array<number>(threads).fill(0);
  // Pieces of ~1/3 of a thread's share: enough to balance the threads and to start
  // decoding early, few enough that each piece's string table stays worth having.
  const target = Math.max(1 << 20, Math.min(16 << 20, Math.floor((openSize ?? 32 << 20) / (threads * 3))));

  const forms: Unpacked[] = [];
  const parts: Buffer[] = [];
  let declared: number | undefined;
  let failed: string | undefined;
  const results = new Map<number, PieceResult>();
  let sent = 0;
  let next = 0;
  let wake: (() => void) | undefined;
  let finished: (() => void) | undefined;
  const allDone = new Promise<void>((r) => (finished = r));

  const settle = () => {
    if (wake && sent - next < 2 * threads) {
      const w = wake;
      wake = undefined;
      w();
    }
    if (readDone && next === sent) finished!();
  };
  // Decode the answers in document order, as they become available.
  const onResult = (wi: number, r: PieceResult) => {
    load[wi]--;
    results.set(r.seq, r);
    for (let x = results.get(next); x; x = results.get(next)) {
      results.delete(next++);
      if (!x.ok) failed ??= x.message;
      if (failed || !x.ok) continue;
      const buf = Buffer.from(x.encoded.buffer, x.encoded.byteOffset, x.encoded.byteLength);
      forms.push(unpack(buf));
      parts.push(buf);
      if (x.declared !== undefined) declared = x.declared;
    }
    settle();
  };
  const onFail = (err: unknown) => {
    failed ??= (err as Error)?.message ?? String(err);
    // Nothing more will come from a dead worker: account for its pieces as failed.
    next = sent;
    results.clear();
    settle();
  };
  workers.forEach((w, i) => {
    w.on('message', (r: PieceResult) => onResult(i, r));
    w.on('error', onFail);
    w.on('exit', (code) => {
      if (!readDone || next < sent) onFail(new Error(`primary.xml worker exited with code ${code}`));
    });
  });

  let first = true;
  let readDone = false;
  const dispatch = (bytes: Uint8Array, last: boolean): Promise<void> | undefined => {
    let wi = 0;
    for (let i = 1; i < threads; i++) if (load[i] < load[wi]) wi = i;
    load[wi]++;
    const req: PieceRequest = { seq: sent++, bytes, first, last };
    first = false;
    workers[wi].postMessage(req, [bytes.buffer as ArrayBuffer]);
    // Backpressure: at most two pieces per thread in flight, so memory stays bounded.
    if (sent - next >= 2 * threads && !failed) return new Promise((r) => (wake = r));
    return undefined;
  };

  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  const sink = (chunk: Buffer): Promise<void> | undefined => {
    pending.push(chunk);
    pendingLen += chunk.length;
    if (pendingLen < target || failed) return undefined;
    const buf = joined(pending, pendingLen);
    // A piece after the first starts with its "<package": cut after that one.
    const cut = lastPackageStart(buf, first ? 0 : 1);
    if (cut <= 0) {
      pending = [buf];
      return undefined;
    }
    const rest = buf.slice(cut);
    pending = [rest];
    pendingLen = rest.length;
    return dispatch(buf.subarray(0, cut), false);
  };
  try {
    await readMetadata(file, sink, () => {
      readDone = true;
      if (!failed) dispatch(joined(pending, pendingLen), true);
      pending = [];
      settle();
    });
    await allDone;
  } finally {
    for (const w of workers) void w.terminate();
  }
  return failed ? undefined : { store: new PackageStore(forms, file.repo), parts, declared };
}

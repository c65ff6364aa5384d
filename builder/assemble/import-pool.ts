// The imports of one build, in transaction order, beside the transaction instead of in
// front of it. Packages the store already has resolve at once (their index is read on this
// thread); the rest go to worker threads (import.worker.ts), which decompress, parse and
// write objects while this thread checks out and runs scriptlets: the transaction asks for
// a package's entries only when it reaches that package.
//
// Durability keeps the store's rule: workers write objects without flushing; each finished
// import's index is staged on this thread's store handle, and the caller's store.sync()
// (one syncfs) makes the objects durable before any of those indexes is published.
// Checkouts may link objects before that sync: nothing durable refers to them yet.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Store, TreeEntry } from '../../cache/index.js';
import { formatNevra } from '../model/package.js';
import { ASSEMBLE_IMPORTER, importPayload } from './import.js';
import { deserializeError, type ImportReply, type ImportRequest, type ImportWorkerData } from './import-protocol.js';
import { pool } from './pool.js';
import type { InstallPackage } from './types.js';

export interface ImportPoolOptions {
  /** Worker threads (default 1: the transaction keeps the other core); 0 imports on this thread. */
  workers?: number;
  /** Packages in flight per worker (or on this thread), so a decompressor child always has work. */
  perWorker?: number;
  signal?: AbortSignal;
  onImported?: (pkg: InstallPackage, imported: boolean) => void;
}

export interface ImportPool {
  /** A package's tree listing, once its import finished (at once for packages the store had). */
  entriesOf(sha256: string): Promise<TreeEntry[]>;
  /** Aborted with the first import failure, so a transaction waiting on later work stops. */
  readonly failed: AbortSignal;
  /** Every import done and its index staged; rejects with the first failure in transaction order. */
  settled(): Promise<{ imported: number; reused: number }>;
  /** No new imports; waits for running ones (their work is good), then stops the workers. */
  close(): Promise<void>;
}

interface Slot {
  pkg: InstallPackage;
  promise: Promise<TreeEntry[]>;
  resolve(e: TreeEntry[]): void;
  reject(e: unknown): void;
}

function slotFor(pkg: InstallPackage): Slot {
  let resolve!: (e: TreeEntry[]) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<TreeEntry[]>((res, rej) => ((resolve = res), (reject = rej)));
  // Whoever awaits gets the rejection; a package nobody reached (the transaction failed
  // earlier) must not turn into an unhandled rejection.
  promise.catch(() => undefined);
  return { pkg, promise, resolve, reject };
}

export async function startImports(store: Store, ordered: readonly InstallPackage[], opts: ImportPoolOptions = {}): Promise<ImportPool> {
  const slots = new Map<string, Slot>();
  for (const p of ordered) if (!slots.has(p.sha256)) slots.set(p.sha256, slotFor(p));
  // Packages imported before (every one, on a rebuild) cost an index read and a stat per
  // object: look them all up many at once.
  const all = [...slots.values()];
  const known = await pool(all, 8, (s) => store.getPackageIndex(s.pkg.sha256, ASSEMBLE_IMPORTER));
  const queue: Slot[] = [];
  all.forEach((s, i) => {
    const k = known[i];
    if (k) {
      s.resolve(k.entries);
      opts.onImported?.(s.pkg, false);
    } else queue.push(s);
  });
  const reused = all.length - queue.length;

  const failure = new AbortController();
  let stopped = false;
  const fail = (s: Slot, e: unknown) => {
    s.reject(e);
    if (!failure.signal.aborted) failure.abort(e);
    stopped = true;
  };
  const finish = async (s: Slot, entries: TreeEntry[]) => {
    try {
      await store.stagePackageIndex(s.pkg.sha256, entries, ASSEMBLE_IMPORTER);
    } catch (e) {
      return fail(s, e);
    }
    s.resolve(entries);
    opts.onImported?.(s.pkg, true);
  };
  const perWorker = Math.max(1, opts.perWorker ?? 2);
  let next = 0;
  const take = (): Slot | undefined => (stopped || opts.signal?.aborted || next >= queue.length ? undefined : queue[next++]);
  let lastLoss: unknown;
  const running: Promise<void>[] = [];

  const nWorkers = Math.min(opts.workers ?? 1, Math.ceil(queue.length / perWorker));
  const workers: Worker[] = [];
  if (queue.length && nWorkers <= 0) {
    // On this thread: the same work, interleaved with the transaction's.
    for (let i = 0; i < perWorker; i++) {
      running.push(
        (async () => {
          for (let s = take(); s; s = take()) {
            try {
              await finish(s, await importPayload(store, s.pkg, opts.signal));
            } catch (e) {
              fail(s, e);
            }
          }
        })(),
      );
    }
  }
  for (let w = 0; w < nWorkers; w++) {
    const worker = spawnImportWorker({ storeDir: store.dir, owners: store.owners });
    workers.push(worker);
    running.push(driveWorker(worker, perWorker, take, finish, fail, (e) => (lastLoss = e), opts.signal));
  }

  // Packages never handed out (a failure stopped the queue, an abort, every worker lost)
  // still settle, so nobody waits on them forever.
  const drained = Promise.all(running).then(() => {
    const why = opts.signal?.aborted ? opts.signal.reason : failure.signal.aborted ? failure.signal.reason : lastLoss ?? new Error('import stopped');
    while (next < queue.length) fail(queue[next++], why);
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopped = true;
      await drained;
      await Promise.all(workers.map(closeWorker));
    })());

  return {
    entriesOf(sha256) {
      const s = slots.get(sha256);
      return s ? s.promise : Promise.reject(new Error(`package ${sha256} is not part of this import`));
    },
    failed: failure.signal,
    async settled() {
      await drained;
      if (opts.signal?.aborted) throw opts.signal.reason;
      for (const s of all) await s.promise; // the first failure in transaction order
      return { imported: queue.length, reused };
    },
    close,
  };
}

/** Feeds one worker up to `perWorker` packages at a time until the queue is empty or stopped. */
function driveWorker(
  worker: Worker,
  perWorker: number,
  take: () => Slot | undefined,
  finish: (s: Slot, entries: TreeEntry[]) => Promise<void>,
  fail: (s: Slot, e: unknown) => void,
  onLoss: (e: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const inflight = new Map<number, Slot>();
    const pending: Promise<void>[] = [];
    let id = 0;
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      void Promise.all(pending).then(() => resolve());
    };
    const pump = () => {
      while (inflight.size < perWorker) {
        const s = take();
        if (!s) break;
        const n = ++id;
        inflight.set(n, s);
        worker.postMessage({ type: 'import', id: n, pkg: stripForWorker(s.pkg) } satisfies ImportRequest);
      }
      if (inflight.size === 0) end();
    };
    const lost = (e: unknown) => {
      if (done) return;
      onLoss(e);
      for (const s of inflight.values()) fail(s, e);
      inflight.clear();
      end();
    };
    const onAbort = () => {
      // Abandon what runs: the worker is terminated by close(); its temps are cleaned by the next build.
      lost(signal!.reason);
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ImportReply) => {
      if (m.type === 'ready') return pump();
      if (m.type !== 'done' && m.type !== 'error') return;
      const s = inflight.get(m.id);
      if (!s) return;
      inflight.delete(m.id);
      if (m.type === 'done') pending.push(finish(s, m.entries));
      else fail(s, deserializeError(m.error));
      pump();
    });
    worker.on('error', (e) => lost(e));
    worker.on('exit', (code) => lost(new Error(`import worker exited (code ${code}) while importing ${[...inflight.values()].map((s) => formatNevra(s.pkg)).join(', ') || 'nothing'}`)));
  });
}

/** What the import needs of a package (its headers stay here: they are big and unused there). */
function stripForWorker(pkg: InstallPackage): InstallPackage {
  const { headerBlob: _h, signatureBlob: _s, ...rest } = pkg;
  return rest;
}

function closeWorker(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    // threadId turns -1 once the thread has exited (crashed, or terminated on abort).
    if (worker.threadId === -1) return resolve();
    worker.once('exit', () => resolve());
    // After its store handle let go of the lock; it holds nothing else worth waiting for.
    worker.on('message', (m: ImportReply) => m.type === 'closed' && void worker.terminate());
    worker.postMessage({ type: 'close' } satisfies ImportRequest);
  });
}

/**
 * The worker's entry: the bundle's dist/cli/import.worker.js beside this chunk; from source
 * (tests, tsx), the TypeScript through tsx's loader.
 */
function spawnImportWorker(data: ImportWorkerData): Worker {
  const js = new URL('./import.worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: data });
  const ts = new URL('./import.worker.ts', import.meta.url).href;
  // require.resolve gives the CommonJS build; its ESM twin sits beside it.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

// An import worker thread: payload decompression, cpio parsing, hashing and object writes
// for the packages the build's main thread hands it (import-pool.ts), so all of that runs
// beside the install transaction instead of in front of it. Its store handle has delegated
// durability: the main thread's handle makes the objects durable (one syncfs) and only then
// publishes the package indexes that name them.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../../cache/index.js';
import { importPayload } from './import.js';
import { serializeError, type ImportReply, type ImportRequest, type ImportWorkerData } from './import-protocol.js';

const port = parentPort!;
const data = workerData as ImportWorkerData;
const store = await openStore(data.storeDir, { durability: 'delegated', owners: data.owners });

port.on('message', (m: ImportRequest) => {
  if (m.type === 'close') {
    void store.close().then(
      () => port.postMessage({ type: 'closed' } satisfies ImportReply),
      (e: unknown) => port.postMessage({ type: 'closed', error: serializeError(e) } satisfies ImportReply),
    );
    return;
  }
  importPayload(store, m.pkg).then(
    (entries) => port.postMessage({ type: 'done', id: m.id, entries } satisfies ImportReply),
    (e: unknown) => port.postMessage({ type: 'error', id: m.id, error: serializeError(e) } satisfies ImportReply),
  );
});
port.postMessage({ type: 'ready' } satisfies ImportReply);

// Worker thread for the speculative rpmdb draft (rpmdb-call.ts): rebuilding every installed
// header, the index rows and db_load's hex dumps is ~0.5 s of JavaScript for 212 packages,
// which on the main thread delays the checkout it is meant to overlap with. Here it runs
// on the other core. One request, one answer: the file names, or the error's code and message.
import { parentPort } from 'node:worker_threads';
import { writeRpmdbFiles, type RpmdbPackage, type WriteRpmdbOptions } from './rpmdb/index.js';

export interface DraftRequest {
  dir: string;
  pkgs: RpmdbPackage[];
  opts: Omit<WriteRpmdbOptions, 'signal'>;
}

export type DraftAnswer = { files: string[] } | { error: { code?: string; message: string } };

parentPort?.once('message', (req: DraftRequest) => {
  writeRpmdbFiles(req.dir, req.pkgs, req.opts).then(
    (files) => parentPort?.postMessage({ files } satisfies DraftAnswer),
    (e: Error & { code?: string }) => parentPort?.postMessage({ error: { code: e.code, message: e.message } } satisfies DraftAnswer),
  );
});

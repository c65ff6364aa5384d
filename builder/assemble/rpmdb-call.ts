// The call into the rpmdb writer (builder/assemble/rpmdb/): record the installed headers,
// in transaction order, in the target distro's format (sqlite for EL9/Fedora 33+,
// Berkeley DB for EL7/EL8), stamped with the build's install time.
//
// The database depends only on which packages end up installed, and that is known up
// front unless a %pre or %pretrans fails: so it is written speculatively, beside the root,
// while the transaction runs (db_load works on the other core while we wait for
// scriptlets), and moved in at the end if nothing was skipped; otherwise written anew.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../context.js';
import { formatNevra } from '../model/package.js';
import { installRpmdbFiles, transactionColor, writeRpmdb, writeRpmdbFiles, type RpmdbPackage, type RpmdbResult, type WriteRpmdbOptions } from './rpmdb/index.js';
import { RpmdbError, type RpmdbErrorCode } from './rpmdb/errors.js';
import type { DraftAnswer, DraftRequest } from './rpmdb.worker.js';
import type { InstallPackage } from './types.js';

export interface RpmdbRequest {
  format: 'sqlite' | 'bdb';
  installTime: number;
  arch: string;
  signal?: AbortSignal;
}

/** A database written ahead for a package list, in a scratch directory. */
export interface RpmdbDraft {
  packages: readonly InstallPackage[];
  scratch: string;
  files: Promise<string[]>;
}

function rpmdbInput(pkgs: readonly InstallPackage[], req: RpmdbRequest): { pkgs: RpmdbPackage[]; opts: WriteRpmdbOptions } {
  return {
    pkgs: pkgs.map((p) => {
      if (!p.headerBlob) throw new Error(`${formatNevra(p)}: no header for the rpmdb`);
      return { headerBlob: Buffer.from(p.headerBlob), signatureBlob: p.signatureBlob ? Buffer.from(p.signatureBlob) : undefined, subject: formatNevra(p) };
    }),
    opts: { format: req.format, installTime: req.installTime, installColor: transactionColor(req.arch), signal: req.signal },
  };
}

/**
 * Start writing the database for `pkgs` into a new directory under `scratchParent` (on
 * the root's filesystem, outside the root: scriptlets must not see or touch it).
 */
export async function draftRpmdb(scratchParent: string, pkgs: readonly InstallPackage[], req: RpmdbRequest): Promise<RpmdbDraft> {
  const scratch = await mkdtemp(join(scratchParent, `.trash-${process.pid}-rpmdb-`));
  const { pkgs: input, opts } = rpmdbInput(pkgs, req);
  const files = draftInWorker(scratch, input, opts) ?? writeRpmdbFiles(scratch, input, opts);
  files.catch(() => undefined); // awaited (or discarded) by recordRpmdb
  return { packages: pkgs, scratch, files };
}

/**
 * The worker's code beside this module, compiled (the CLI bundle, dist/). Run from the
 * TypeScript sources (tests) the draft is written on this thread: the worker would need
 * tsx's loader, which does not take inside vitest's forks.
 */
function workerSource(): URL | undefined {
  const js = new URL('./rpmdb.worker.js', import.meta.url);
  return existsSync(js) ? js : undefined;
}

/** writeRpmdbFiles on a worker thread (rpmdb.worker.ts); undefined when there is no worker code to run. */
function draftInWorker(dir: string, pkgs: RpmdbPackage[], opts: WriteRpmdbOptions): Promise<string[]> | undefined {
  const source = workerSource();
  if (!source) return undefined;
  const { signal, ...plain } = opts;
  return new Promise<string[]>((resolve, reject) => {
    const w = new Worker(source);
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      f();
      void w.terminate();
    };
    const abort = () => settle(() => reject(signal?.reason ?? new Error('aborted')));
    signal?.addEventListener('abort', abort, { once: true });
    w.once('message', (a: DraftAnswer) =>
      settle(() => ('files' in a ? resolve(a.files) : reject(new RpmdbError((a.error.code?.startsWith('E_RPMDB_') ? a.error.code : 'E_RPMDB_WRITE') as RpmdbErrorCode, a.error.message)))),
    );
    w.once('error', (e) => settle(() => reject(new RpmdbError('E_RPMDB_WRITE', `rpmdb writer thread failed: ${e.message}`, { cause: e }))));
    w.once('exit', (code) => settle(() => reject(new RpmdbError('E_RPMDB_WRITE', `rpmdb writer thread exited (${code}) without an answer`))));
    w.postMessage({ dir, pkgs, opts: plain } satisfies DraftRequest);
  });
}

export async function recordRpmdb(root: string, installed: readonly InstallPackage[], req: RpmdbRequest, log: Logger, draft?: RpmdbDraft): Promise<RpmdbResult> {
  try {
    const same = draft && draft.packages.length === installed.length && draft.packages.every((p, i) => p === installed[i]);
    let r: RpmdbResult;
    if (draft && same) r = await installRpmdbFiles(root, draft.scratch, await draft.files, installed.length, { format: req.format });
    else {
      const { pkgs, opts } = rpmdbInput(installed, req);
      r = await writeRpmdb(root, pkgs, opts);
    }
    log.debug(`rpmdb (${r.format}): ${r.packages} packages in ${r.dir}${draft ? (same ? ' (written during the transaction)' : ' (written again: packages were skipped)') : ''}`);
    return r;
  } finally {
    if (draft) await discardDraft(draft);
  }
}

export async function discardDraft(draft: RpmdbDraft): Promise<void> {
  await draft.files.catch(() => undefined); // let the writer stop using the directory first
  await rm(draft.scratch, { recursive: true, force: true });
}

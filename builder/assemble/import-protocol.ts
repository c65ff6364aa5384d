// Messages between the build's main thread (import-pool.ts) and its import workers
// (import.worker.ts), and errors across that boundary: a structured clone keeps only an
// Error's message and stack, so the fields callers rely on (class name, code, hint, exit
// code, errno details) travel as data and come back as a BuilderError with the same code.
import type { TreeEntry } from '../../cache/index.js';
import { BuilderError } from '../errors.js';
import type { InstallPackage } from './types.js';

export interface ImportWorkerData {
  storeDir: string;
  owners: boolean;
}

export type ImportRequest = { type: 'import'; id: number; pkg: InstallPackage } | { type: 'close' };

export type ImportReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; entries: TreeEntry[] }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'closed'; error?: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  builder: boolean;
  /** Own enumerable fields (code, hint, exitCode, pkg, path, errno, syscall, …) that clone. */
  fields: Record<string, unknown>;
}

const CLONEABLE = new Set(['string', 'number', 'boolean']);

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), builder: false, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (CLONEABLE.has(typeof v)) fields[k] = v;
  return { name: e.name, message: e.message, stack: e.stack, builder: e instanceof BuilderError, fields };
}

/** The error again, on this side: a BuilderError (same code, hint, exit code) when it was one. */
export function deserializeError(s: SerializedError): Error {
  const f = s.fields;
  const err: Error =
    s.builder && typeof f.code === 'string'
      ? new BuilderError(f.code, s.message, { hint: typeof f.hint === 'string' ? f.hint : undefined, exitCode: typeof f.exitCode === 'number' ? f.exitCode : undefined })
      : new Error(s.message);
  Object.assign(err, f);
  err.name = s.name;
  if (s.stack) err.stack = s.stack;
  return err;
}

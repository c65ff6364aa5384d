// The small interface every host driver implements. Drivers build argv as data and run it
// through kernel/exec.ts; the orchestration (records, private areas, compat checks) lives in
// kernel/ct/, so a driver is only "how does this host run a container".
import type { CtRecord, DriverName } from './ct/record.js';
import type { ExecResult } from './exec.js';

export interface CtStatus {
  state: 'running' | 'stopped' | 'frozen' | 'starting' | 'stopping' | 'unknown';
  pid?: number;
}

export interface HostDriver {
  readonly name: DriverName;
  /** Make the host know the CT (LXC: write its config; OpenVZ: CT config + vzctl create). */
  create(rec: CtRecord): Promise<void>;
  start(rec: CtRecord): Promise<void>;
  exec(rec: CtRecord, argv: readonly string[], opts?: { input?: string; signal?: AbortSignal }): Promise<ExecResult>;
  /** An interactive shell in the CT on the caller's terminal; returns its exit status. */
  enter(rec: CtRecord): Promise<number>;
  stop(rec: CtRecord, opts: { timeoutS: number; kill: boolean }): Promise<void>;
  /** Forget the CT on the host side; never deletes a tree it did not create. */
  destroy(rec: CtRecord): Promise<void>;
  status(rec: CtRecord): Promise<CtStatus>;
  freeze?(rec: CtRecord): Promise<void>;
  unfreeze?(rec: CtRecord): Promise<void>;
}

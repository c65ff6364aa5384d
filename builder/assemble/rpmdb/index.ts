// writeRpmdb: the rpm database of a template root, written the way the target distro's
// rpm would have written it after installing the packages in this order — sqlite for
// rpm ≥ 4.16 (EL9+, Fedora 33+), Berkeley DB for EL7/EL8 — without running rpm. Headers
// are stored byte-for-byte as rpm stores them (see installed-header.ts); indexes as
// rpm's tag2index computes them. Deterministic: the stamp comes from the caller
// (SOURCE_DATE_EPOCH), and the files are the same bytes on every run.
//
// Written into a fresh directory beside the target and moved into place file by file,
// so an interrupted run never leaves a half-written rpmdb under the expected name.
import { lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { isErrno } from '../../errors.js';
import { writeBdbRpmdb } from './bdb.js';
import { RpmdbError } from './errors.js';
import { installedHeader } from './installed-header.js';
import { writeSqliteRpmdb, type InstalledRecord } from './sqlite.js';

export { installedHeader, legacySigEntries } from './installed-header.js';
export { INDEXES, indexRows, richAtoms } from './indexes.js';

export type RpmdbFormat = 'sqlite' | 'bdb';

export interface RpmdbPackage {
  /** The package's main header as read from the .rpm (preamble/magic included or not). */
  headerBlob: Buffer | Uint8Array;
  /** The package's signature header: rpm copies its digests/signatures (SIGMD5, SHA1HEADER,
   * RSAHEADER, SIGSIZE, ...) into the installed header; without it `rpm -V`/-qi lose them. */
  signatureBlob?: Buffer | Uint8Array;
  /** For error messages (NEVRA or path). */
  subject?: string;
}

export interface WriteRpmdbOptions {
  format: RpmdbFormat;
  /** INSTALLTIME of every package (SOURCE_DATE_EPOCH for reproducible builds). */
  installTime: number;
  /** INSTALLTID; default installTime (rpm uses the transaction start time). */
  installTid?: number;
  /** INSTALLCOLOR; default transactionColor('x86_64') = 3. Use transactionColor(arch). */
  installColor?: number;
  /** Inside the root; default /var/lib/rpm. */
  dbPath?: string;
  signal?: AbortSignal;
}

export interface RpmdbResult {
  format: RpmdbFormat;
  /** Absolute path of the database directory. */
  dir: string;
  /** File names written into it. */
  files: string[];
  packages: number;
}

/** rpm's %_transaction_color for an arch: 3 (ELF32|ELF64) on 64-bit multilib arches, 0 elsewhere. */
export function transactionColor(arch: string): number {
  return /^(x86_64|amd64|aarch64|ppc64|ppc64le|s390x|sparc64|riscv64|loongarch64)$/.test(arch) ? 3 : 0;
}

export async function writeRpmdb(rootDir: string, pkgs: readonly RpmdbPackage[], opts: WriteRpmdbOptions): Promise<RpmdbResult> {
  const dir = await safeMkdirInRoot(rootDir, opts.dbPath ?? '/var/lib/rpm');
  const tmp = await mkdtemp(join(dir, '..', '.rpmdb.vzbuild-'));
  try {
    const files = await writeRpmdbFiles(tmp, pkgs, opts);
    return await installRpmdbFiles(rootDir, tmp, files, pkgs.length, opts);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Write the database files into `dir` (an empty directory anywhere); returns their names. */
export async function writeRpmdbFiles(dir: string, pkgs: readonly RpmdbPackage[], opts: WriteRpmdbOptions): Promise<string[]> {
  if (opts.format !== 'sqlite' && opts.format !== 'bdb') throw new RpmdbError('E_RPMDB_FORMAT', `unknown rpmdb format "${String(opts.format)}" (sqlite or bdb)`);
  if (!Number.isInteger(opts.installTime) || opts.installTime < 0) throw new RpmdbError('E_RPMDB_FORMAT', `installTime must be a non-negative integer, got ${opts.installTime}`);
  const stamp = { installTime: opts.installTime, installTid: opts.installTid ?? opts.installTime, installColor: opts.installColor ?? 3 };
  const records: InstalledRecord[] = pkgs.map((p, i) => installedHeader(p.headerBlob, p.signatureBlob, stamp, p.subject ?? `package #${i + 1}`));
  if (opts.format === 'sqlite') {
    writeSqliteRpmdb(join(dir, 'rpmdb.sqlite'), records);
    return ['rpmdb.sqlite'];
  }
  return writeBdbRpmdb(dir, records, opts.signal);
}

/**
 * Move database files written by writeRpmdbFiles (from a directory on the root's
 * filesystem) into the root's dbPath, file by file.
 */
export async function installRpmdbFiles(rootDir: string, from: string, files: readonly string[], packages: number, opts: Pick<WriteRpmdbOptions, 'format' | 'dbPath'>): Promise<RpmdbResult> {
  const dir = await safeMkdirInRoot(rootDir, opts.dbPath ?? '/var/lib/rpm');
  // Stale files of a previous db (sqlite WAL/SHM, BDB environment) would be replayed
  // over the new one; remove them first.
  for (const stale of ['rpmdb.sqlite-wal', 'rpmdb.sqlite-shm', '__db.001', '__db.002', '__db.003', '.dbenv.lock', '.rpm.lock']) await rm(join(dir, stale), { force: true });
  for (const f of files) await rename(join(from, f), join(dir, f));
  return { format: opts.format, dir, files: [...files], packages };
}

/**
 * mkdir -p of `rel` under `root`, refusing symlinks on the way: a package may have
 * planted /var or /var/lib as a link out of the root, and we must not follow it.
 */
async function safeMkdirInRoot(root: string, rel: string): Promise<string> {
  const base = resolve(root);
  try {
    if (!(await lstat(base)).isDirectory()) throw new RpmdbError('E_RPMDB_WRITE', `root ${base} is not a directory`);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new RpmdbError('E_RPMDB_WRITE', `root ${base} does not exist`, { cause: err });
    throw err;
  }
  let cur = base;
  for (const part of rel.split('/').filter(Boolean)) {
    if (part === '..' || part === '.') throw new RpmdbError('E_RPMDB_WRITE', `dbPath ${rel} must not contain . or ..`);
    cur = join(cur, part);
    try {
      const st = await lstat(cur);
      if (st.isSymbolicLink()) throw new RpmdbError('E_RPMDB_WRITE', `${cur} is a symlink; refusing to write the rpmdb through it`, { hint: 'a package in the root planted a link where the rpmdb goes' });
      if (!st.isDirectory()) throw new RpmdbError('E_RPMDB_WRITE', `${cur} exists and is not a directory`);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      await mkdir(cur, { mode: 0o755 });
    }
  }
  if (!cur.startsWith(base + sep)) throw new RpmdbError('E_RPMDB_WRITE', `dbPath ${rel} leaves the root ${base}`);
  return cur;
}

/** A stored (rpmdb-form) header parsed, for tests and `vzbuild inspect`. */
export { parseStoredHeader } from './installed-header.js';

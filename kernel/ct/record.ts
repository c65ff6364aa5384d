// Container records: one JSON file per CT (containers/<CTID>/ct.json) saying which driver
// runs it, which template and private-area mode it came from and where its files are.
// Written atomically (temp file, fsync, rename) so a crash never leaves half a record.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import { CtError } from '../errors.js';
import type { UbcName } from '../ubc/params.js';

export type DriverName = 'lxc' | 'openvz';
export type PrivateMode = 'copy' | 'overlay' | 'hardlink';

export interface CtRecord {
  version: 1;
  ctid: string;
  driver: DriverName;
  private: PrivateMode;
  hostname: string;
  template: { path: string; key: string };
  /** Where the CT's root is visible on the host (the overlay mount, or the private tree). */
  root: string;
  /** The CT's own writable area (copy: the tree; overlay: upper+work; hardlink: the linked tree). */
  privateDir: string;
  /** The shared read-only tree (overlay lower / hardlink source), if any. */
  lower?: string;
  /** UBC values as "barrier:limit" strings (JSON has no bigint). */
  ubc: Partial<Record<UbcName, string>>;
  /** Driver-specific paths: LXC config, vzctl CT config. */
  configPath: string;
  init?: string[];
}

const CTID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkCtid(ctid: string): void {
  if (!CTID.test(ctid) || ctid.startsWith('.')) throw new CtError('E_CTID', `invalid CTID "${ctid}": use letters, digits, "_", "." or "-" (at most 64), starting with a letter or digit`);
}

export function ctDir(cacheDir: string, ctid: string): string {
  checkCtid(ctid);
  return join(cacheLayout(cacheDir).containers, ctid);
}

export async function writeRecord(cacheDir: string, rec: CtRecord): Promise<void> {
  const dir = ctDir(cacheDir, rec.ctid);
  await mkdir(dir, { recursive: true });
  const final = join(dir, 'ct.json');
  const tmp = `${final}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(JSON.stringify(sortKeys(rec), null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
}

/** Keys sorted at every level, so records diff cleanly. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export async function readRecord(cacheDir: string, ctid: string): Promise<CtRecord> {
  const file = join(ctDir(cacheDir, ctid), 'ct.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CtError('E_NO_CT', `container ${ctid} does not exist (no ${file})`, { hint: 'vzbuild ct list' });
    throw err;
  }
  const rec = JSON.parse(text) as CtRecord;
  if (rec.version !== 1 || rec.ctid !== ctid) throw new CtError('E_CT_RECORD', `${file}: not a version 1 record for ${ctid}`);
  return rec;
}

export async function recordExists(cacheDir: string, ctid: string): Promise<boolean> {
  try {
    await readRecord(cacheDir, ctid);
    return true;
  } catch (err) {
    if (err instanceof CtError && err.code === 'E_NO_CT') return false;
    throw err;
  }
}

export async function listRecords(cacheDir: string): Promise<CtRecord[]> {
  let names: string[];
  try {
    names = await readdir(cacheLayout(cacheDir).containers);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: CtRecord[] = [];
  for (const n of names.sort()) {
    if (n.startsWith('.')) continue;
    try {
      out.push(await readRecord(cacheDir, n));
    } catch (err) {
      // A directory without a record is a create that never finished; `ct destroy` cleans it.
      if (err instanceof CtError && err.code === 'E_NO_CT') continue;
      throw err;
    }
  }
  return out;
}

export async function removeRecord(cacheDir: string, ctid: string): Promise<void> {
  await rm(join(ctDir(cacheDir, ctid), 'ct.json'), { force: true });
}

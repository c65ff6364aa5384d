// The call into the rpmdb writer (builder/assemble/rpmdb/): record the installed headers,
// in transaction order, in the target distro's format (sqlite for EL9/Fedora 33+,
// Berkeley DB for EL7/EL8), stamped with the build's install time.
import type { Logger } from '../context.js';
import { formatNevra } from '../model/package.js';
import { transactionColor, writeRpmdb, type RpmdbResult } from './rpmdb/index.js';
import type { InstallPackage } from './types.js';

export interface RpmdbRequest {
  format: 'sqlite' | 'bdb';
  installTime: number;
  arch: string;
  signal?: AbortSignal;
}

export async function recordRpmdb(root: string, installed: readonly InstallPackage[], req: RpmdbRequest, log: Logger): Promise<RpmdbResult> {
  const pkgs = installed.map((p) => {
    if (!p.headerBlob) throw new Error(`${formatNevra(p)}: no header for the rpmdb`);
    return { headerBlob: Buffer.from(p.headerBlob), signatureBlob: p.signatureBlob ? Buffer.from(p.signatureBlob) : undefined, subject: formatNevra(p) };
  });
  const r = await writeRpmdb(root, pkgs, { format: req.format, installTime: req.installTime, installColor: transactionColor(req.arch), signal: req.signal });
  log.debug(`rpmdb (${r.format}): ${r.packages} packages in ${r.dir}`);
  return r;
}

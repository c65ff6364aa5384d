// The seam to the rpmdb writer (builder/assemble/rpmdb/, written by the recipe helper):
// writeRpmdb(root, pkgs, {format, installTime}) records the installed headers in the
// target distro's format (sqlite for EL9/Fedora 33+, Berkeley DB for EL7/EL8). Loaded
// lazily so the stage works (and says so) before that module exists.
import type { Logger } from '../context.js';
import type { InstallPackage } from './types.js';

export interface RpmdbRequest {
  format: 'sqlite' | 'bdb';
  installTime: number;
}

type WriteRpmdb = (root: string, pkgs: { headerBlob: Uint8Array; signatureBlob?: Uint8Array }[], opts: RpmdbRequest) => Promise<unknown>;

const RPMDB_MODULE = './rpmdb/index.js';

export async function recordRpmdb(root: string, installed: readonly InstallPackage[], req: RpmdbRequest, log: Logger): Promise<boolean> {
  let mod: { writeRpmdb?: WriteRpmdb };
  try {
    mod = (await import(/* @vite-ignore */ RPMDB_MODULE)) as { writeRpmdb?: WriteRpmdb };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && !/Cannot find module|Failed to load url|does not provide/.test(String((e as Error).message))) throw e;
    log.warn(`rpmdb not written: the rpmdb writer (builder/assemble/rpmdb) is not available in this build`);
    return false;
  }
  if (typeof mod.writeRpmdb !== 'function') {
    log.warn('rpmdb not written: builder/assemble/rpmdb exports no writeRpmdb');
    return false;
  }
  const pkgs = installed.map((p) => {
    if (!p.headerBlob) throw new Error(`${p.name}: no header blob for the rpmdb`);
    return { headerBlob: p.headerBlob, signatureBlob: p.signatureBlob };
  });
  await mod.writeRpmdb(root, pkgs, req);
  return true;
}

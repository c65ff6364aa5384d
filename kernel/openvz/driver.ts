// OpenVZ driver: vzctl does the work, we prepare its inputs. create installs the template
// cache into $TEMPLATE/cache/, writes /etc/vz/conf/<CTID>.conf (OSTEMPLATE, UBC pairs,
// DISKSPACE/DISKINODES, HOSTNAME) and runs `vzctl create CTID --ostemplate NAME`, which keeps
// an existing CT config and unpacks the cache into VE_PRIVATE. The argv builders are pure.
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CtRecord } from '../ct/record.js';
import type { CtStatus, HostDriver } from '../driver.js';
import { CtError } from '../errors.js';
import { exec } from '../exec.js';
import { templateName } from '../private/template-tree.js';
import { buildCtConf, ctPaths, type VzConf } from './vz-conf.js';
import type { UbcSet } from '../ubc/value.js';
import { parseUbcValue } from '../ubc/value.js';
import type { UbcName } from '../ubc/params.js';

const ALL_CODES = Array.from({ length: 256 }, (_, i) => i);

export const vzctlArgv = {
  create: (vzctl: string, ctid: string, ostemplate: string, layout?: string) => [vzctl, 'create', ctid, '--ostemplate', ostemplate, ...(layout ? ['--layout', layout] : [])],
  start: (vzctl: string, ctid: string) => [vzctl, 'start', ctid],
  // exec2 returns the command's own exit status (exec returns vzctl's).
  exec: (vzctl: string, ctid: string, argv: readonly string[]) => [vzctl, 'exec2', ctid, ...argv],
  enter: (vzctl: string, ctid: string) => [vzctl, 'enter', ctid],
  stop: (vzctl: string, ctid: string, kill: boolean) => [vzctl, 'stop', ctid, ...(kill ? ['--fast'] : [])],
  destroy: (vzctl: string, ctid: string) => [vzctl, 'destroy', ctid],
  status: (vzctl: string, ctid: string) => [vzctl, 'status', ctid],
};

/** `vzctl status 101` → "CTID 101 exist mounted running" (or "deleted unmounted down"). */
export function parseVzctlStatus(text: string): CtStatus & { exists: boolean; mounted: boolean } {
  const w = text.trim().split(/\s+/);
  return {
    exists: w.includes('exist'),
    mounted: w.includes('mounted'),
    state: w.includes('running') ? 'running' : w.includes('down') ? 'stopped' : 'unknown',
  };
}

/** Caches vzctl 4 can unpack (vps-create: tar, gzip, bzip2, xz). */
export const VZCTL_CACHE_SUFFIXES = ['.tar.gz', '.tar.xz', '.tar.bz2', '.tar'];

export function ubcFromRecord(rec: CtRecord): UbcSet {
  const out: UbcSet = {};
  for (const [k, v] of Object.entries(rec.ubc)) out[k as UbcName] = parseUbcValue(k as UbcName, v as string);
  return out;
}

export class OpenVzDriver implements HostDriver {
  readonly name = 'openvz' as const;
  constructor(private readonly vz: VzConf, private readonly vzctl = 'vzctl') {}

  /** Copy the cache into $TEMPLATE/cache/<name><suffix> atomically, unless an identical one is there. */
  async installCache(cache: string, name: string): Promise<string> {
    const sfx = VZCTL_CACHE_SUFFIXES.find((s) => cache.endsWith(s));
    if (!sfx) throw new CtError('E_CACHE_FORMAT', `vzctl can't unpack ${cache}: it reads ${VZCTL_CACHE_SUFFIXES.join(', ')} caches`, { hint: 'build the template with gzip or xz compression' });
    const dir = join(this.vz.template, 'cache');
    await mkdir(dir, { recursive: true });
    const dest = join(dir, name + sfx);
    const [a, b] = await Promise.all([stat(cache), stat(dest).catch(() => undefined)]);
    if (b && b.size === a.size && (await sameBytes(cache, dest))) return dest;
    const tmp = `${dest}.tmp-${process.pid}`;
    await copyFile(cache, tmp);
    await rename(tmp, dest);
    return dest;
  }

  async create(rec: CtRecord): Promise<void> {
    const p = ctPaths(this.vz, rec.ctid);
    const name = templateName(rec.template.path);
    await mkdir(this.vz.confDir, { recursive: true });
    const tmp = `${p.conf}.tmp`;
    await writeFile(tmp, buildCtConf({ ctid: rec.ctid, ostemplate: name, hostname: rec.hostname, vz: this.vz, ubc: ubcFromRecord(rec) }));
    await rename(tmp, p.conf);
    try {
      await exec(vzctlArgv.create(this.vzctl, rec.ctid, name));
    } catch (err) {
      await rm(p.conf, { force: true });
      throw err;
    }
  }

  async start(rec: CtRecord): Promise<void> {
    await exec(vzctlArgv.start(this.vzctl, rec.ctid));
  }

  exec(rec: CtRecord, argv: readonly string[], opts: { input?: string; signal?: AbortSignal } = {}) {
    return exec(vzctlArgv.exec(this.vzctl, rec.ctid, argv), { okCodes: ALL_CODES, input: opts.input, signal: opts.signal });
  }

  async enter(rec: CtRecord): Promise<number> {
    return (await exec(vzctlArgv.enter(this.vzctl, rec.ctid), { inherit: true, okCodes: ALL_CODES })).code;
  }

  async stop(rec: CtRecord, opts: { timeoutS: number; kill: boolean }): Promise<void> {
    await exec(vzctlArgv.stop(this.vzctl, rec.ctid, opts.kill));
  }

  async destroy(rec: CtRecord): Promise<void> {
    // vzctl destroy removes VE_PRIVATE (its own unpacked copy) and renames the config to .destroyed.
    await exec(vzctlArgv.destroy(this.vzctl, rec.ctid));
  }

  async status(rec: CtRecord): Promise<CtStatus> {
    const r = await exec(vzctlArgv.status(this.vzctl, rec.ctid), { okCodes: ALL_CODES });
    const s = parseVzctlStatus(r.stdout);
    return { state: s.state };
  }
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  // Template caches are compared whole only when sizes match; they are at most a few GB.
  const { createHash } = await import('node:crypto');
  const { createReadStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const h = async (p: string) => {
    const x = createHash('sha256');
    await pipeline(createReadStream(p), x);
    return x.digest('hex');
  };
  return (await h(a)) === (await h(b));
}

export async function readVzConfFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CtError('E_NO_VZCONF', `${file} not found: is vzctl installed? (pass --vz-conf FILE)`);
    throw err;
  }
}

// `vzbuild ct`: deploy a template cache as a container and run it, on OpenVZ (vzctl) or
// mainline (LXC). This module owns the order of things — probe, pick driver and private
// mode, check the template against the host, create the private area, write the record
// last — and undoes a half-made CT on failure. Drivers and areas do the host work.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { cacheLayout } from '../../cache/layout.js';
import { ValidationError } from '../../builder/errors.js';
import type { Logger } from '../../builder/context.js';
import { CtError } from '../errors.js';
import { LxcDriver, runningLxcNames } from '../lxc/driver.js';
import { OpenVzDriver, readVzConfFile } from '../openvz/driver.js';
import { ctPaths, parseVzConf, type VzConf } from '../openvz/vz-conf.js';
import { createArea, destroyArea, mountArea, type PrivateArea } from '../private/areas.js';
import { checkFreeSpace } from '../private/space.js';
import { resolveTemplate, templateKey, templateName } from '../private/template-tree.js';
import { checkCompat, inspectTemplateTree, type CompatReport } from '../probe/compat.js';
import { probeHost, type HostProbe } from '../probe/index.js';
import { mapUbcToCgroups } from '../ubc/cgroup-map.js';
import { parseCtConf } from '../ubc/shell-conf.js';
import { formatUbcValue, type UbcSet } from '../ubc/value.js';
import type { UbcName } from '../ubc/params.js';
import type { CtStatus, HostDriver } from '../driver.js';
import { exec, type ExecResult } from '../exec.js';
import { ubcFromRecord } from '../openvz/driver.js';
import { inspectTemplateCache } from './check.js';
import { chooseDriver, choosePrivate, type HostChoice, type PrivateChoice } from './drivers.js';
import { checkCtid, ctDir, listRecords, readRecord, recordExists, removeRecord, writeRecord, type CtRecord } from './record.js';

export interface CtEnv {
  cacheDir: string;
  cwd: string;
  log: Logger;
  signal?: AbortSignal;
  /** vzctl's global config (default /etc/vz/vz.conf). */
  vzConf?: string;
  /** A probe to use instead of probing (tests, repeated calls). */
  probe?: HostProbe;
}

let probeMemo: HostProbe | undefined;
export async function hostProbe(env: CtEnv): Promise<HostProbe> {
  if (env.probe) return env.probe;
  const l = cacheLayout(env.cacheDir);
  return (probeMemo ??= await probeHost({ templateArea: l.templates, tmpDir: l.tmp }));
}
/** Reset the per-process probe memo (tests that change the host). */
export function resetHostProbe(): void {
  probeMemo = undefined;
}

async function vzConf(env: CtEnv): Promise<VzConf> {
  const file = env.vzConf ?? '/etc/vz/vz.conf';
  const conf = parseVzConf(await readVzConfFile(file), file);
  if (conf.problems.length) throw new ValidationError(file, conf.problems);
  return conf;
}

export async function driverFor(rec: Pick<CtRecord, 'driver'>, env: CtEnv): Promise<HostDriver> {
  if (rec.driver === 'openvz') return new OpenVzDriver(await vzConf(env));
  const probe = await hostProbe(env);
  return new LxcDriver((r) => ({
    rootfs: r.root,
    hostname: r.hostname,
    init: r.init ?? ['/sbin/init'],
    mapping: mapUbcToCgroups(ubcFromRecord(r), probe.cgroup.keys, { pageSize: probe.pageSize, memsw: probe.cgroup.memsw }),
    capDrop: r.private === 'hardlink' ? ['linux_immutable'] : [],
  }));
}

export interface CreateCtInput {
  ctid: string;
  template: string;
  host?: HostChoice;
  private?: PrivateChoice;
  hostname?: string;
  /** A vzctl-style config whose UBC lines limit the CT. */
  ubcConf?: string;
  force?: boolean;
}

export interface CreateCtResult {
  record: CtRecord;
  compat: CompatReport;
}

async function loadUbc(file: string | undefined, pageSize: number, cwd: string): Promise<UbcSet> {
  if (!file) return {};
  const path = resolve(cwd, file);
  const conf = parseCtConf(await readFile(path, 'utf8'), path, pageSize);
  if (conf.problems.length) throw new ValidationError(path, conf.problems);
  return conf.ubc;
}

function ubcStrings(ubc: UbcSet): CtRecord['ubc'] {
  const out: CtRecord['ubc'] = {};
  for (const [k, v] of Object.entries(ubc)) if (v) out[k as UbcName] = formatUbcValue(k as UbcName, v);
  return out;
}

function refuse(ctid: string, compat: CompatReport): CtError {
  return new CtError('E_INCOMPATIBLE', `template is not compatible with this host, refusing to deploy ${ctid}:\n  ${compat.problems.join('\n  ')}`, { hint: 'pass --force to deploy anyway' });
}

export async function createCt(input: CreateCtInput, env: CtEnv): Promise<CreateCtResult> {
  checkCtid(input.ctid);
  if (await recordExists(env.cacheDir, input.ctid)) throw new CtError('E_CT_EXISTS', `container ${input.ctid} already exists`, { hint: `vzbuild ct destroy ${input.ctid}` });
  const probe = await hostProbe(env);
  const driverName = chooseDriver(input.host ?? 'auto', probe);
  const mode = choosePrivate(input.private ?? 'auto', driverName, probe);
  const cache = await resolveTemplate(env.cacheDir, input.template, env.cwd);
  const key = await templateKey(env.cacheDir, cache);
  const ubc = await loadUbc(input.ubcConf, probe.pageSize, env.cwd);
  const dir = ctDir(env.cacheDir, input.ctid);
  const hostname = input.hostname ?? input.ctid;
  if (/[\s/]/.test(hostname) || !hostname) throw new CtError('E_HOSTNAME', `invalid hostname "${hostname}"`);
  // A directory without a record is a create that died; it holds only what we made.
  await rm(dir, { recursive: true, force: true }).catch((err: NodeJS.ErrnoException) => {
    throw new CtError('E_CT_LEFTOVER', `can't clean the leftover ${dir} of an interrupted create: ${err.message}`, { hint: `vzbuild ct destroy ${input.ctid}` });
  });
  await mkdir(dir, { recursive: true });

  if (driverName === 'openvz') {
    const vz = await vzConf(env);
    const compat = checkCompat(await inspectTemplateCache(cache, dir), probe, 'openvz');
    if (!compat.ok && !input.force) {
      await rm(dir, { recursive: true, force: true });
      throw refuse(input.ctid, compat);
    }
    const p = ctPaths(vz, input.ctid);
    // vps-create refuses when VE_PRIVATE's filesystem can't hold the unpacked cache; say so
    // before copying anything.
    try {
      await checkFreeSpace(cache, dirname(p.private));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const driver = new OpenVzDriver(vz);
    const installed = await driver.installCache(cache, templateName(cache));
    const record: CtRecord = {
      version: 1, ctid: input.ctid, driver: 'openvz', private: 'copy', hostname,
      template: { path: installed, key }, root: p.root, privateDir: p.private, ubc: ubcStrings(ubc), configPath: p.conf,
    };
    try {
      await driver.create(record);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    await writeRecord(env.cacheDir, record);
    return { record, compat };
  }

  let area: PrivateArea | undefined;
  const drv = await driverFor({ driver: 'lxc' }, env);
  try {
    area = await createArea(mode, { cacheDir: env.cacheDir, ctDir: dir, cache, key, signal: env.signal, freezeSharing: (lower) => freezeSharing(lower, input.ctid, env) });
    const compat = checkCompat(await inspectTemplateTree(area.root), probe, 'lxc');
    if (!compat.ok && !input.force) throw refuse(input.ctid, compat);
    for (const p of compat.problems) env.log.warn(`--force: deploying anyway: ${p}`);
    if (ubc.DISKSPACE || ubc.DISKINODES)
      env.log.warn(`DISKSPACE/DISKINODES are not enforced for LXC containers yet (vzquota exists only on OpenVZ; project quotas are not applied by vzbuild)`);
    const record: CtRecord = {
      version: 1, ctid: input.ctid, driver: 'lxc', private: mode, hostname, template: { path: cache, key },
      root: area.root, privateDir: area.privateDir, ...(area.lower ? { lower: area.lower } : {}),
      ubc: ubcStrings(ubc), configPath: join(dir, 'config'),
    };
    await drv.create(record);
    await writeRecord(env.cacheDir, record);
    return { record, compat };
  } catch (err) {
    if (area) await destroyArea(area, (lower) => freezeSharing(lower, input.ctid, env)).catch((e: Error) => env.log.warn(`cleanup of ${dir} failed: ${e.message}`));
    await rm(dir, { recursive: true, force: true }).catch((e: Error) => env.log.warn(`cleanup of ${dir} failed: ${e.message}`));
    throw err;
  }
}

/** Freeze every running LXC CT (other than `self`) whose hardlink tree is `lower`; returns the thaw. */
async function freezeSharing(lower: string, self: string, env: CtEnv): Promise<() => Promise<void>> {
  const sharing = (await listRecords(env.cacheDir)).filter((r) => r.ctid !== self && r.lower === lower && r.driver === 'lxc');
  if (!sharing.length) return async () => {};
  // One lxc-ls for all of them instead of an lxc-info per sibling.
  const running = new Set(await runningLxcNames(cacheLayout(env.cacheDir).containers));
  const frozen: Array<[HostDriver, CtRecord]> = [];
  try {
    for (const r of sharing) {
      if (!running.has(r.ctid)) continue;
      const d = await driverFor(r, env);
      await d.freeze?.(r);
      frozen.push([d, r]);
    }
  } catch (err) {
    for (const [d, r] of frozen) await d.unfreeze?.(r);
    throw err;
  }
  return async () => {
    for (const [d, r] of frozen) await d.unfreeze?.(r);
  };
}

function areaOf(rec: CtRecord): PrivateArea {
  return { mode: rec.private, root: rec.root, privateDir: rec.privateDir, ...(rec.lower ? { lower: rec.lower } : {}) };
}

export async function startCt(ctid: string, opts: { init?: string[] }, env: CtEnv): Promise<CtRecord> {
  let rec = await readRecord(env.cacheDir, ctid);
  const d = await driverFor(rec, env);
  if ((await d.status(rec)).state === 'running') throw new CtError('E_CT_STATE', `container ${ctid} is already running`);
  if (opts.init) {
    if (rec.driver === 'openvz') throw new CtError('E_USAGE', 'vzctl always starts the template\'s own init; --init works with --host lxc only');
    rec = { ...rec, init: opts.init };
    await writeRecord(env.cacheDir, rec);
  }
  if (rec.driver === 'lxc') {
    await mountArea(areaOf(rec));
    await d.create(rec); // rewrite the config: init and host cgroup layout may have changed
  }
  await d.start(rec);
  return rec;
}

export async function execCt(ctid: string, argv: readonly string[], env: CtEnv, input?: string): Promise<ExecResult> {
  const rec = await readRecord(env.cacheDir, ctid);
  const d = await driverFor(rec, env);
  if ((await d.status(rec)).state !== 'running') throw new CtError('E_CT_STATE', `container ${ctid} is not running`, { hint: `vzbuild ct start ${ctid}` });
  return d.exec(rec, argv, { input, signal: env.signal });
}

export async function enterCt(ctid: string, env: CtEnv): Promise<number> {
  const rec = await readRecord(env.cacheDir, ctid);
  const d = await driverFor(rec, env);
  if ((await d.status(rec)).state !== 'running') throw new CtError('E_CT_STATE', `container ${ctid} is not running`, { hint: `vzbuild ct start ${ctid}` });
  return d.enter(rec);
}

export async function stopCt(ctid: string, opts: { timeoutS?: number; kill?: boolean }, env: CtEnv): Promise<CtRecord> {
  const rec = await readRecord(env.cacheDir, ctid);
  await (await driverFor(rec, env)).stop(rec, { timeoutS: opts.timeoutS ?? 30, kill: !!opts.kill });
  return rec;
}

export async function destroyCt(ctid: string, env: CtEnv): Promise<CtRecord> {
  const rec = await readRecord(env.cacheDir, ctid);
  const d = await driverFor(rec, env);
  if ((await d.status(rec)).state !== 'stopped') await d.stop(rec, { timeoutS: 0, kill: true });
  await d.destroy(rec);
  if (rec.driver === 'lxc') await destroyArea(areaOf(rec), (lower) => freezeSharing(lower, ctid, env));
  await removeRecord(env.cacheDir, ctid);
  await rm(ctDir(env.cacheDir, ctid), { recursive: true, force: true });
  return rec;
}

export interface CtStatusReport {
  ctid: string;
  state: CtStatus['state'];
  pid?: number;
  driver: CtRecord['driver'];
  private: CtRecord['private'];
  hostname: string;
  /** Where the CT's files are visible on the host. */
  root: string;
  mounted: boolean;
  template: string;
}

export async function statusCt(ctid: string, env: CtEnv): Promise<CtStatusReport> {
  const rec = await readRecord(env.cacheDir, ctid);
  const st = await (await driverFor(rec, env)).status(rec);
  let mounted = true;
  if (rec.private === 'overlay') mounted = (await exec(['mountpoint', '-q', rec.root], { okCodes: [0, 1, 32] })).code === 0;
  else mounted = await stat(rec.root).then(() => true, () => false);
  return {
    ctid, state: st.state, ...(st.pid ? { pid: st.pid } : {}), driver: rec.driver, private: rec.private,
    hostname: rec.hostname, root: rec.root, mounted, template: rec.template.path,
  };
}

export async function listCts(env: CtEnv): Promise<CtStatusReport[]> {
  const out: CtStatusReport[] = [];
  for (const r of await listRecords(env.cacheDir)) out.push(await statusCt(r.ctid, env));
  return out;
}

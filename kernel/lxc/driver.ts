// LXC driver for mainline kernels. The state dir's containers/ area is the lxcpath, so
// `lxc-ls -P <state>/containers` and friends work; each CT's config is containers/<CTID>/config.
// lxc-destroy is never run: it deletes the rootfs the config names, which may be a shared
// tree or an overlay mount — kernel/ct removes what it created itself.
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CtRecord } from '../ct/record.js';
import type { CtStatus, HostDriver } from '../driver.js';
import { CtError } from '../errors.js';
import { exec } from '../exec.js';
import { buildLxcConfig, lxcArgv, parseLxcInfo, type LxcConfigInput } from './config.js';

const ALL_CODES = Array.from({ length: 256 }, (_, i) => i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LxcDriver implements HostDriver {
  readonly name = 'lxc' as const;
  constructor(private readonly config: (rec: CtRecord) => LxcConfigInput) {}

  private where(rec: CtRecord): [string, string] {
    // configPath = <lxcpath>/<CTID>/config
    return [rec.ctid, dirname(dirname(rec.configPath))];
  }

  async create(rec: CtRecord): Promise<void> {
    const tmp = `${rec.configPath}.tmp`;
    await writeFile(tmp, buildLxcConfig(this.config(rec)));
    await rename(tmp, rec.configPath);
  }

  async start(rec: CtRecord): Promise<void> {
    const [name, path] = this.where(rec);
    const log = join(dirname(rec.configPath), 'lxc.log');
    await rm(log, { force: true });
    await exec(lxcArgv.start(name, path, log));
    // lxc-start -d returns once the monitor runs; an init that can't exec stops the CT at once.
    let st: CtStatus = { state: 'unknown' };
    for (let i = 0; i < 50; i++) {
      st = await this.status(rec);
      if (st.state === 'running' && st.pid) break;
      await sleep(100);
    }
    await sleep(100);
    st = await this.status(rec);
    if (st.state !== 'running') {
      const tail = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n    ');
      throw new CtError('E_CT_START', `container ${rec.ctid} did not stay running (state ${st.state}); init was ${JSON.stringify(rec.init ?? [])}${tail ? `:\n    ${tail}` : ''}`);
    }
  }

  exec(rec: CtRecord, argv: readonly string[], opts: { input?: string; signal?: AbortSignal } = {}) {
    const [name, path] = this.where(rec);
    return exec(lxcArgv.attach(name, path, argv), { okCodes: ALL_CODES, input: opts.input, signal: opts.signal });
  }

  async enter(rec: CtRecord): Promise<number> {
    const [name, path] = this.where(rec);
    const r = await exec(lxcArgv.attach(name, path, ['/bin/sh', '-l']), { inherit: true, okCodes: ALL_CODES });
    return r.code;
  }

  async stop(rec: CtRecord, opts: { timeoutS: number; kill: boolean }): Promise<void> {
    const [name, path] = this.where(rec);
    if ((await this.status(rec)).state === 'stopped') return;
    await exec(lxcArgv.stop(name, path, opts.timeoutS, opts.kill), { okCodes: [0, 2] });
  }

  async destroy(rec: CtRecord): Promise<void> {
    await rm(rec.configPath, { force: true });
    await rm(join(dirname(rec.configPath), 'lxc.log'), { force: true });
  }

  async status(rec: CtRecord): Promise<CtStatus> {
    const [name, path] = this.where(rec);
    const r = await exec(lxcArgv.info(name, path), { okCodes: ALL_CODES });
    if (r.code !== 0) return { state: /doesn't exist/.test(r.stderr + r.stdout) ? 'stopped' : 'unknown' };
    return parseLxcInfo(r.stdout);
  }

  async freeze(rec: CtRecord): Promise<void> {
    const [name, path] = this.where(rec);
    await exec(lxcArgv.freeze(name, path));
  }

  async unfreeze(rec: CtRecord): Promise<void> {
    const [name, path] = this.where(rec);
    await exec(lxcArgv.unfreeze(name, path));
  }
}

/** Names of the running containers under an lxcpath (one `lxc-ls`). */
export async function runningLxcNames(lxcpath: string): Promise<string[]> {
  const r = await exec(lxcArgv.lsRunning(lxcpath));
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

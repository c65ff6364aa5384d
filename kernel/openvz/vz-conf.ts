// vzctl's global config (/etc/vz/vz.conf) and the per-CT config it reads
// (/etc/vz/conf/<CTID>.conf), as data. Defaults are vzctl's own when a key is missing.
import { dirname, join } from 'node:path';
import { parseShellConf, substVeid, formatShellConf, ubcEntries } from '../ubc/shell-conf.js';
import type { UbcSet } from '../ubc/value.js';

export interface VzConf {
  file: string;
  /** Template area; caches live in $TEMPLATE/cache. */
  template: string;
  veRoot: string;
  vePrivate: string;
  layout: 'simfs' | 'ploop' | string;
  /** ve-<CONFIGFILE>.conf-sample is vzctl's default CT config sample. */
  configFile?: string;
  /** /etc/vz/conf: where CT configs and samples live. */
  confDir: string;
  problems: string[];
}

export function parseVzConf(text: string, file: string): VzConf {
  const c = parseShellConf(text, file);
  const v = c.vars;
  return {
    file,
    template: v.TEMPLATE || '/vz/template',
    veRoot: v.VE_ROOT || '/vz/root/$VEID',
    vePrivate: v.VE_PRIVATE || '/vz/private/$VEID',
    layout: v.VE_LAYOUT || 'simfs',
    ...(v.CONFIGFILE ? { configFile: v.CONFIGFILE } : {}),
    confDir: join(dirname(file), 'conf'),
    problems: c.problems,
  };
}

export interface CtConfInput {
  ctid: string;
  ostemplate: string;
  hostname: string;
  vz: VzConf;
  ubc: UbcSet;
  origin?: string;
}

/** The CT config vzctl create then reads (it keeps an existing <CTID>.conf instead of a sample). */
export function buildCtConf(c: CtConfInput): string {
  const entries: Array<[string, string]> = [
    ['ONBOOT', 'no'],
    ...ubcEntries(c.ubc),
    ['VE_ROOT', c.vz.veRoot],
    ['VE_PRIVATE', c.vz.vePrivate],
    ['OSTEMPLATE', c.ostemplate],
    ['HOSTNAME', c.hostname],
    ...(c.origin ? ([['ORIGIN_SAMPLE', c.origin]] as Array<[string, string]>) : []),
  ];
  return formatShellConf(entries, [`Container ${c.ctid}, written by vzbuild for vzctl.`, 'UBC values are barrier:limit; DISKSPACE in 1 KiB blocks, DISKINODES in inodes.']);
}

export function ctPaths(vz: VzConf, ctid: string): { root: string; private: string; conf: string; cacheDir: string } {
  return { root: substVeid(vz.veRoot, ctid), private: substVeid(vz.vePrivate, ctid), conf: join(vz.confDir, `${ctid}.conf`), cacheDir: join(vz.template, 'cache') };
}

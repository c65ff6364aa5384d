// Dependencies for the RPM writer: "name", "name >= 1.0-1", "(a or b)" strings, or objects
// with sense and install-phase flags, normalised to the header's (name, flags, version).
import type { Sense } from '../model/package.js';
import type { ScriptletKind } from './package-info.js';
import { RPMSENSE } from './tags.js';

export type DepInput =
  | string
  | {
      name: string;
      sense?: Sense;
      /** EVR text, "[E:]V[-R]". */
      version?: string;
      /** Requires(pre): true means pre; or the phases, e.g. ['pre', 'postun']. */
      pre?: boolean | ScriptletKind[];
      /** Raw extra RPMSENSE_* bits. */
      flags?: number;
    };

export interface NormDep {
  name: string;
  flags: number;
  version: string;
}

const SENSE_BITS: Record<Sense, number> = {
  LT: RPMSENSE.LESS,
  LE: RPMSENSE.LESS | RPMSENSE.EQUAL,
  EQ: RPMSENSE.EQUAL,
  GE: RPMSENSE.GREATER | RPMSENSE.EQUAL,
  GT: RPMSENSE.GREATER,
};
const OPS: Record<string, Sense> = { '<': 'LT', '<=': 'LE', '=': 'EQ', '==': 'EQ', '>=': 'GE', '>': 'GT' };
const PHASE_BITS: Record<ScriptletKind, number> = {
  pretrans: RPMSENSE.PRETRANS,
  pre: RPMSENSE.SCRIPT_PRE,
  post: RPMSENSE.SCRIPT_POST,
  preun: RPMSENSE.SCRIPT_PREUN,
  postun: RPMSENSE.SCRIPT_POSTUN,
  posttrans: RPMSENSE.POSTTRANS,
  preuntrans: RPMSENSE.PREUNTRANS,
  postuntrans: RPMSENSE.POSTUNTRANS,
  verify: RPMSENSE.SCRIPT_VERIFY,
};

export function depInput(d: DepInput): NormDep {
  if (typeof d === 'string') {
    const t = d.trim();
    if (t.startsWith('(')) return { name: t, flags: 0, version: '' };
    const m = /^(\S+)\s*(<=|>=|==|=|<|>)\s*(\S+)$/.exec(t);
    if (m) return { name: m[1], flags: SENSE_BITS[OPS[m[2]]], version: m[3] };
    if (/\s/.test(t)) throw new TypeError(`writeRpm: cannot parse dependency ${JSON.stringify(d)}`);
    return { name: t, flags: 0, version: '' };
  }
  let flags = (d.flags ?? 0) | (d.sense ? SENSE_BITS[d.sense] : 0);
  if (d.pre === true) flags |= RPMSENSE.SCRIPT_PRE;
  else if (Array.isArray(d.pre)) for (const p of d.pre) flags |= PHASE_BITS[p];
  return { name: d.name, flags, version: d.sense ? d.version ?? '' : '' };
}

export function depInputs(list: readonly DepInput[]): NormDep[] {
  return list.map(depInput);
}

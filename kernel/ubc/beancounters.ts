// /proc/user_beancounters as the OpenVZ kernel prints it:
//   Version: 2.5
//          uid  resource     held  maxheld  barrier  limit  failcnt
//         101:  kmemsize     ...
//               lockedpages  ...
// One block per beancounter (CT id, 0 = the host); "dummy" rows are padding. Pure parser.
import { isUbcName, type UbcName } from './params.js';

export interface BeancounterRow {
  resource: string;
  held: bigint;
  maxheld: bigint;
  barrier: bigint;
  limit: bigint;
  failcnt: bigint;
}

export interface Beancounter {
  uid: string;
  rows: BeancounterRow[];
}

export interface UserBeancounters {
  version: string;
  beancounters: Beancounter[];
}

export class BeancounterParseError extends Error {}

export function parseUserBeancounters(text: string, source = '/proc/user_beancounters'): UserBeancounters {
  const lines = text.split('\n');
  let version = '';
  const out: Beancounter[] = [];
  let cur: Beancounter | undefined;
  let sawHeader = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (!line.trim()) continue;
    const ver = /^Version:\s*(\S+)/.exec(line);
    if (ver) {
      version = ver[1];
      continue;
    }
    if (/^\s*uid\s+resource\s+held\s+maxheld\s+barrier\s+limit\s+failcnt\s*$/.test(line)) {
      sawHeader = true;
      continue;
    }
    const m = /^\s*(?:(\d+):)?\s*([a-z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) throw new BeancounterParseError(`${source}:${n + 1}: not a beancounter row: ${line.trim()}`);
    if (!sawHeader) throw new BeancounterParseError(`${source}:${n + 1}: row before the "uid resource held maxheld barrier limit failcnt" header`);
    if (m[1] !== undefined) {
      cur = { uid: m[1], rows: [] };
      out.push(cur);
    }
    if (!cur) throw new BeancounterParseError(`${source}:${n + 1}: row without a "<uid>:" block`);
    if (m[2] === 'dummy') continue;
    cur.rows.push({ resource: m[2], held: BigInt(m[3]), maxheld: BigInt(m[4]), barrier: BigInt(m[5]), limit: BigInt(m[6]), failcnt: BigInt(m[7]) });
  }
  if (!version) throw new BeancounterParseError(`${source}: no "Version:" line (not a user_beancounters file?)`);
  return { version, beancounters: out };
}

/** Resources that hit their limit (failcnt > 0), as "CT 101: numproc failcnt 3 (held 65, limit 65)". */
export function failingResources(ubc: UserBeancounters): Array<{ uid: string; name: UbcName | string; failcnt: bigint; row: BeancounterRow }> {
  const out = [];
  for (const bc of ubc.beancounters) {
    for (const row of bc.rows) {
      if (row.failcnt > 0n) {
        const upper = row.resource.toUpperCase();
        out.push({ uid: bc.uid, name: isUbcName(upper) ? upper : row.resource, failcnt: row.failcnt, row });
      }
    }
  }
  return out;
}

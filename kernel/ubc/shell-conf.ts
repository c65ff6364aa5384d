// vzctl's config files (vz.conf, /etc/vz/conf/<CTID>.conf, ve-*.conf-sample): shell
// assignments KEY="value", with comments, single or double quotes, and an optional
// `export`. We read them without a shell (a config is data, never run) and write them the
// way vzctl does: KEY="value", one per line. UBC keys are parsed into barrier:limit pairs.
import { isUbcName, UBC_NAMES, type UbcName } from './params.js';
import { formatUbcValue, parseUbcValue, UbcValueError, type UbcSet } from './value.js';

export interface ShellAssignment {
  key: string;
  value: string;
  line: number;
}

export interface ShellConf {
  file: string;
  assignments: ShellAssignment[];
  /** Last assignment wins, as when a shell sources the file. */
  vars: Record<string, string>;
  problems: string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parse the value part of one line (after `=`); returns the value or an error message. */
function parseValue(s: string): { value: string } | { error: string } {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      const rest = s.slice(i).trim();
      if (rest === '' || rest.startsWith('#')) return { value: out };
      return { error: `unexpected text after the value: "${rest}" (quote values that contain spaces)` };
    }
    if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return { error: 'unterminated double quote' };
        const d = s[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) {
          out += s[i + 1];
          i += 2;
          continue;
        }
        out += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single quote' };
      out += s.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return { value: out };
}

export function parseShellConf(text: string, file: string): ShellConf {
  const conf: ShellConf = { file, assignments: [], vars: {}, problems: [] };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let s = lines[n].trim();
    if (s === '' || s.startsWith('#')) continue;
    if (s.startsWith('export ')) s = s.slice(7).trimStart();
    const eq = s.indexOf('=');
    const key = eq > 0 ? s.slice(0, eq) : '';
    if (!KEY.test(key)) {
      conf.problems.push(`${file}:${n + 1}: not a KEY="value" assignment: ${lines[n].trim()}`);
      continue;
    }
    const v = parseValue(s.slice(eq + 1));
    if ('error' in v) {
      conf.problems.push(`${file}:${n + 1}: ${key}: ${v.error}`);
      continue;
    }
    conf.assignments.push({ key, value: v.value, line: n + 1 });
    conf.vars[key] = v.value;
  }
  return conf;
}

export interface CtConf extends ShellConf {
  ubc: UbcSet;
}

/** A CT config or sample: the shell assignments plus every UBC key parsed (problems collected). */
export function parseCtConf(text: string, file: string, pageSize = 4096): CtConf {
  const conf = parseShellConf(text, file);
  const ubc: UbcSet = {};
  for (const a of conf.assignments) {
    if (!isUbcName(a.key)) continue;
    try {
      ubc[a.key] = parseUbcValue(a.key, a.value, pageSize);
    } catch (err) {
      if (!(err instanceof UbcValueError)) throw err;
      conf.problems.push(`${file}:${a.line}: ${err.message}`);
    }
  }
  return { ...conf, ubc };
}

/** Double-quote a value the way a shell reads it back. */
export function shellQuote(v: string): string {
  return `"${v.replace(/([\\"$`])/g, '\\$1')}"`;
}

/** Write KEY="value" lines (in the given order), with optional leading comment lines. */
export function formatShellConf(entries: ReadonlyArray<readonly [string, string]>, comments: readonly string[] = []): string {
  const out = comments.map((c) => (c ? `# ${c}` : '#'));
  for (const [k, v] of entries) {
    if (!KEY.test(k)) throw new TypeError(`not a shell variable name: ${k}`);
    out.push(`${k}=${shellQuote(v)}`);
  }
  return out.join('\n') + '\n';
}

/** UBC pairs as config entries, in vzctl's parameter order. */
export function ubcEntries(ubc: UbcSet): Array<[UbcName, string]> {
  const out: Array<[UbcName, string]> = [];
  for (const name of UBC_NAMES) {
    const pair = ubc[name];
    if (pair) out.push([name, formatUbcValue(name, pair)]);
  }
  return out;
}

/** vzctl substitutes $VEID / ${VEID} in VE_ROOT and VE_PRIVATE (subst_VEID), trailing slashes dropped. */
export function substVeid(value: string, ctid: string): string {
  return value.replace(/\$\{VEID\}|\$VEID|\$\{CTID\}|\$CTID/g, ctid).replace(/\/+$/, '');
}

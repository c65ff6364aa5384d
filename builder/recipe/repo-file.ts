// yum/dnf .repo files (INI) parsed the way dnf's libdnf/iniparser reads them: sections
// are repo ids ([main] is configuration, not a repo); `key=value` or `key: value`;
// continuation lines (leading whitespace) extend the previous value; # and ; comments;
// list options (baseurl, gpgkey, exclude/excludepkgs) split on commas and whitespace;
// booleans 1/0, yes/no, true/false, on/off. Produces recipe-file repo maps (our keys),
// plus the line of every problem and of every option we do not carry over.
export interface ParsedRepo {
  id: string;
  line: number;
  fields: Record<string, unknown>;
}

export interface RepoFileResult {
  repos: ParsedRepo[];
  /** `file:line: message` for options dropped on the way. */
  warnings: string[];
  problems: string[];
}

const LIST_KEYS = new Set(['baseurl', 'gpgkey', 'exclude', 'excludepkgs']);
const BOOL_KEYS: Record<string, string> = {
  enabled: 'enabled',
  gpgcheck: 'gpgcheck',
  repo_gpgcheck: 'repo_gpgcheck',
  module_hotfixes: 'module_hotfixes',
  sslverify: 'sslverify',
  skip_if_unavailable: 'skip_if_unavailable',
};
const STRING_KEYS: Record<string, string> = {
  name: 'name',
  mirrorlist: 'mirrorlist',
  metalink: 'metalink',
  sslcacert: 'sslcacert',
  sslclientcert: 'sslclientcert',
  sslclientkey: 'sslclientkey',
};
const INT_KEYS = new Set(['priority', 'cost']);
/** Options that only tune the client (timeouts, caching): meaningless for a build. */
const IGNORED = new Set(['metadata_expire', 'failovermethod', 'timeout', 'retries', 'minrate', 'throttle', 'bandwidth', 'keepcache', 'type', 'countme', 'deltarpm', 'fastestmirror', 'ip_resolve', 'max_parallel_downloads', 'mirrorlist_expire', 'username', 'password', 'proxy', 'proxy_username', 'proxy_password', 'http_caching', 'enabled_metadata', 'autorefresh', 'gpgcakey', 'ui_repoid_vars']);

export function parseBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(s)) return true;
  if (['0', 'no', 'false', 'off'].includes(s)) return false;
  return undefined;
}

export function parseRepoFile(text: string, file: string): RepoFileResult {
  const repos: ParsedRepo[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  // First pass: (section, key, value, line) with continuation lines joined.
  type Opt = { key: string; value: string; line: number };
  const sections: { id: string; line: number; opts: Opt[] }[] = [];
  let cur: { id: string; line: number; opts: Opt[] } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*([#;].*)?$/.test(raw)) return;
    const sec = /^\s*\[([^\]]*)\]\s*$/.exec(raw);
    if (sec) {
      cur = { id: sec[1].trim(), line, opts: [] };
      sections.push(cur);
      return;
    }
    if (/^\s/.test(raw) && cur && cur.opts.length) {
      cur.opts[cur.opts.length - 1].value += '\n' + raw.trim();
      return;
    }
    const kv = /^\s*([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv) {
      problems.push(`${file}:${line}: cannot parse "${raw.trim()}" (expected key=value)`);
      return;
    }
    if (!cur) {
      problems.push(`${file}:${line}: option "${kv[1]}" outside any [section]`);
      return;
    }
    cur.opts.push({ key: kv[1].toLowerCase(), value: kv[2].trim(), line });
  });
  for (const s of sections) {
    if (s.id === 'main') continue;
    if (!/^[A-Za-z0-9_.:-]+$/.test(s.id)) {
      problems.push(`${file}:${s.line}: [${s.id}]: repo ids are letters, digits and _.:- only`);
      continue;
    }
    const fields: Record<string, unknown> = { id: s.id };
    for (const o of s.opts) {
      const where = `${file}:${o.line}: [${s.id}] ${o.key}`;
      if (LIST_KEYS.has(o.key)) {
        const items = o.value.split(/[\s,]+/).filter(Boolean);
        const key = o.key === 'excludepkgs' ? 'exclude' : o.key;
        fields[key] = [...((fields[key] as string[] | undefined) ?? []), ...items];
      } else if (o.key in BOOL_KEYS) {
        const b = parseBool(o.value);
        if (b === undefined) problems.push(`${where}: "${o.value}" is not a boolean`);
        else fields[BOOL_KEYS[o.key]] = b;
      } else if (o.key in STRING_KEYS) {
        fields[STRING_KEYS[o.key]] = o.value.replace(/\n/g, ' ');
      } else if (INT_KEYS.has(o.key)) {
        const n = Number(o.value);
        if (!Number.isInteger(n)) problems.push(`${where}: "${o.value}" is not an integer`);
        else fields[o.key] = n;
      } else if (IGNORED.has(o.key)) {
        warnings.push(`${where}: client tuning option dropped`);
      } else {
        warnings.push(`${where}: unknown option dropped`);
      }
    }
    repos.push({ id: s.id, line: s.line, fields });
  }
  // Report in file order, however the two passes found them.
  const byLine = (a: string, b: string) => Number(/:(\d+):/.exec(a)?.[1]) - Number(/:(\d+):/.exec(b)?.[1]);
  return { repos, warnings: warnings.sort(byLine), problems: problems.sort(byLine) };
}

// The merged recipe tree -> the Recipe data other stages see: defaults filled in,
// $releasever/$basearch/... expanded, and every semantic problem (missing keys, bad
// URLs, malformed fingerprints, unknown variables, missing hook files) collected with
// the file:line of the value that caused it. Types were already checked per file by
// ./schema.ts, so this module trusts shapes and checks meaning.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RECIPE_VERSION, type Recipe, type RecipeRepo } from '../model/recipe.js';
import { getChild } from './merge.js';
import { toPlain, type Loc, type TreeNode } from './yaml-tree.js';

export interface CheckInput {
  tree: TreeNode;
  /** Absolute path of the recipe (Recipe.file). */
  file: string;
  /** Tree nodes name files relative to this directory. */
  cwd: string;
  arch: string;
  variant?: string;
}

/** dnf's $basearch for each arch rpm knows. */
export function baseArch(arch: string): string {
  if (/^i[3-6]86$/.test(arch)) return 'i386';
  if (arch.startsWith('armv7')) return 'armhfp';
  return arch;
}

/** The rpmdb backend a distro's rpm uses, or undefined when we cannot tell. */
export function defaultRpmdb(id: string, release: string): 'sqlite' | 'bdb' | undefined {
  const major = Number.parseInt(release, 10);
  if (!Number.isFinite(major)) return undefined;
  if (id === 'fedora') return major >= 33 ? 'sqlite' : 'bdb';
  if (id === 'amzn' || id === 'amazonlinux') return major >= 2022 ? 'sqlite' : 'bdb';
  // RHEL and its rebuilds switched with rpm 4.16 in EL9.
  if (/^(rhel|ubi|centos|centos-stream|rocky|almalinux|alma|ol|oraclelinux|vzlinux|virtuozzo|cloudlinux|scientific|eurolinux|navy)$/.test(id)) return major >= 9 ? 'sqlite' : 'bdb';
  return undefined;
}

export async function checkRecipe(input: CheckInput): Promise<{ recipe?: Recipe; problems: string[]; warnings: string[] }> {
  const { tree, file } = input;
  const problems: string[] = [];
  const warnings: string[] = [];
  const at = (loc: Loc, key: string, msg: string) => problems.push(`${loc.file}:${loc.line}: ${key}: ${msg}`);
  const warn = (loc: Loc, key: string, msg: string) => warnings.push(`${loc.file}:${loc.line}: ${key}: ${msg}`);
  const node = (path: string) => path.split('.').reduce<TreeNode | undefined>((n, k) => getChild(n, k), tree);
  const val = <T>(path: string): T | undefined => {
    const n = node(path);
    return n === undefined ? undefined : (toPlain(n) as T);
  };
  const locOf = (n: TreeNode | undefined): Loc => (n ? { file: n.file, line: n.line } : { file: tree.file, line: 1 });

  for (const k of ['name', 'distro', 'distro.id', 'distro.release']) {
    if (val(k) === undefined || val(k) === null) at(locOf(node(k.split('.').slice(0, -1).join('.') || '_') ?? tree), k, 'is required');
  }
  const distroId = String(val('distro.id') ?? '');
  const release = String(val('distro.release') ?? '');
  const arch = input.arch;

  const vars: Record<string, string> = {
    releasever: release,
    releasever_major: release.split('.')[0],
    releasever_minor: release.split('.')[1] ?? '',
    basearch: baseArch(arch),
    arch,
  };
  for (const [k, v] of Object.entries(val<Record<string, string | number>>('vars') ?? {})) {
    if (k in vars) at(locOf(getChild(node('vars'), k)), `vars.${k}`, `\$${k} is built in and cannot be redefined`);
    else vars[k] = String(v);
  }
  const expand = (s: string, n: TreeNode | undefined, key: string): string =>
    s.replace(/\$(?:\{(\w+)\}|(\w+))/g, (m, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      if (name in vars) return vars[name];
      at(locOf(n), key, `unknown variable \$${name} (known: ${Object.keys(vars).map((v) => '$' + v).join(', ')}; define more under \`vars:\`)`);
      return m;
    });

  const rawName = val<string>('name');
  let name = rawName ? expand(rawName, node('name'), 'name') : '';
  const variant = input.variant;
  if (variant) {
    const variants = node('variants');
    // The variant overlay was applied by the loader; its own `name:` wins over the suffix.
    const variantName = getChild(getChild(variants, variant), 'name');
    if (!variantName && name) name = `${name}-${variant}`;
  }

  const repos: RecipeRepo[] = [];
  const repoList = node('repos');
  const ids = new Map<string, number>();
  if (!repoList || repoList.kind !== 'seq' || repoList.items.length === 0) at(locOf(repoList ?? tree), 'repos', 'at least one repository is required');
  else {
    repoList.items.forEach((r, i) => {
      const key = `repos[${i}]`;
      const get = <T>(k: string): T | undefined => {
        const c = getChild(r, k);
        return c === undefined || (c.kind === 'scalar' && c.value === null) ? undefined : (toPlain(c) as T);
      };
      const loc = (k?: string) => locOf(k ? getChild(r, k) ?? r : r);
      const list = (k: string) => {
        const v = get<string | string[]>(k);
        return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((s) => expand(String(s), getChild(r, k), `${key}.${k}`));
      };
      const id = String(get('id') ?? '');
      if (ids.has(id)) at(loc('id'), `${key}.id`, `duplicate repo id "${id}" (also repos[${ids.get(id)}])`);
      ids.set(id, i);
      const baseurl = list('baseurl');
      const mirrorlist = get<string>('mirrorlist') && expand(get<string>('mirrorlist')!, getChild(r, 'mirrorlist'), `${key}.mirrorlist`);
      const metalink = get<string>('metalink') && expand(get<string>('metalink')!, getChild(r, 'metalink'), `${key}.metalink`);
      if (!baseurl.length && !mirrorlist && !metalink) at(loc(), key, `repo "${id}" needs baseurl, mirrorlist or metalink`);
      for (const u of baseurl) checkUrl(u, ['http:', 'https:', 'file:', 'ftp:'], loc('baseurl'), `${key}.baseurl`);
      if (mirrorlist) checkUrl(mirrorlist, ['http:', 'https:', 'file:'], loc('mirrorlist'), `${key}.mirrorlist`);
      if (metalink) checkUrl(metalink, ['http:', 'https:', 'file:'], loc('metalink'), `${key}.metalink`);
      const gpgkey = list('gpgkey');
      for (const k of gpgkey) {
        // A key fetched over plain http could be swapped in transit; file:// and https only.
        checkUrl(k, ['https:', 'file:'], loc('gpgkey'), `${key}.gpgkey`, 'keys are fetched from file:// paths or https URLs only');
      }
      const fingerprint: string[] = [];
      for (const f of list('fingerprint')) {
        const norm = f.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
        if (!/^[0-9A-F]{40}$/.test(norm)) at(loc('fingerprint'), `${key}.fingerprint`, `"${f}" is not a 40-hex-digit OpenPGP v4 fingerprint (a short key id is not a pin)`);
        else if (!fingerprint.includes(norm)) fingerprint.push(norm);
      }
      const gpgcheck = get<boolean>('gpgcheck') ?? true;
      const repoGpgcheck = get<boolean>('repo_gpgcheck') ?? false;
      if ((gpgcheck || repoGpgcheck) && gpgkey.length === 0) at(loc('gpgcheck'), `${key}.gpgkey`, `repo "${id}" checks signatures but names no gpgkey (set gpgkey, or gpgcheck: false)`);
      if (!gpgcheck) warn(loc('gpgcheck'), `${key}.gpgcheck`, `packages from repo "${id}" are not signature-checked`);
      else if (gpgkey.some((k) => k.startsWith('https:')) && !fingerprint.length) warn(loc('gpgkey'), `${key}.fingerprint`, `repo "${id}" fetches its key over https without a pinned fingerprint`);
      if (fingerprint.length && !gpgkey.length) at(loc('fingerprint'), `${key}.fingerprint`, 'pins a fingerprint but no gpgkey to check it against');
      const ssl: Partial<RecipeRepo> = {};
      for (const k of ['sslcacert', 'sslclientcert', 'sslclientkey'] as const) {
        const v = get<string>(k);
        if (v === undefined) continue;
        const p = expand(v, getChild(r, k), `${key}.${k}`);
        if (!p.startsWith('/')) at(loc(k), `${key}.${k}`, `must be an absolute path on the build host, got "${p}"`);
        ssl[k] = p;
      }
      if (!!ssl.sslclientcert !== !!ssl.sslclientkey) at(loc(ssl.sslclientcert ? 'sslclientcert' : 'sslclientkey'), key, 'sslclientcert and sslclientkey go together');
      const repo: RecipeRepo = {
        id,
        ...(get<string>('name') ? { name: expand(get<string>('name')!, getChild(r, 'name'), `${key}.name`) } : {}),
        baseurl,
        ...(mirrorlist ? { mirrorlist } : {}),
        ...(metalink ? { metalink } : {}),
        enabled: get<boolean>('enabled') ?? true,
        gpgcheck,
        repoGpgcheck,
        gpgkey,
        fingerprint,
        priority: get<number>('priority') ?? 99,
        cost: get<number>('cost') ?? 1000,
        exclude: list('exclude'),
        ...(get<boolean>('module_hotfixes') !== undefined ? { moduleHotfixes: get<boolean>('module_hotfixes') } : {}),
        ...ssl,
        ...(get<boolean>('sslverify') !== undefined ? { sslverify: get<boolean>('sslverify') } : {}),
        ...(get<boolean>('skip_if_unavailable') !== undefined ? { skipIfUnavailable: get<boolean>('skip_if_unavailable') } : {}),
      };
      repos.push(repo);
    });
    if (repos.length && !repos.some((r) => r.enabled)) at(locOf(repoList), 'repos', 'every repository is disabled');
  }

  const strings = (path: string): string[] => uniq((val<string[]>(path) ?? []).map(String));
  const packages = strings('packages');
  if (packages.length === 0) at(locOf(node('packages') ?? tree), 'packages', 'at least one package (or @group) is required');
  checkSpecs(node('packages'), 'packages', at);
  checkSpecs(node('exclude'), 'exclude', at);

  const platformId = val<string>('modules.platform_id');
  const modules: Recipe['modules'] = { enable: strings('modules.enable'), disable: strings('modules.disable'), ...(platformId ? { platformId } : {}) };
  for (const kind of ['enable', 'disable'] as const) {
    const n = node(`modules.${kind}`);
    modules[kind].forEach((m, i) => {
      const re = kind === 'enable' ? /^[A-Za-z0-9_.+-]+:[A-Za-z0-9_.+-]+$/ : /^[A-Za-z0-9_.+-]+(:[A-Za-z0-9_.+-]+)?$/;
      if (!re.test(m)) at(locOf(n?.kind === 'seq' ? n.items[i] : n), `modules.${kind}[${i}]`, `"${m}" is not ${kind === 'enable' ? 'name:stream (e.g. nodejs:18)' : 'name or name:stream'}`);
    });
  }
  const both = modules.enable.filter((m) => modules.disable.includes(m.split(':')[0]) || modules.disable.includes(m));
  for (const m of both) at(locOf(node('modules')), 'modules', `"${m}" is both enabled and disabled`);

  const hooks = {
    preCache: await hookScripts(input.cwd, node('hooks.pre_cache'), 'hooks.pre_cache', at),
    postCache: await hookScripts(input.cwd, node('hooks.post_cache'), 'hooks.post_cache', at),
    postInstall: await hookScripts(input.cwd, node('hooks.post_install'), 'hooks.post_install', at),
  };

  let rpmdb = val<'sqlite' | 'bdb' | null>('rpmdb') ?? undefined;
  if (!rpmdb && distroId && release) {
    rpmdb = defaultRpmdb(distroId, release);
    if (!rpmdb) at(locOf(node('distro')), 'rpmdb', `cannot tell the rpmdb format of ${distroId} ${release}; set rpmdb: sqlite or bdb`);
  }

  const env = val<Record<string, string | number | boolean>>('environment');
  const environment = env ? Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) : undefined;
  if (environment) for (const k of Object.keys(environment)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) at(locOf(getChild(node('environment'), k)), `environment.${k}`, 'not a valid environment variable name');

  const multilibArches = strings('multilib');
  const formats = uniq(val<Recipe['output']['formats']>('output.formats') ?? ['tar.gz']) as Recipe['output']['formats'];
  const sde = val<number>('output.source_date_epoch');
  const levels = val<Recipe['output']['levels']>('output.levels');
  if (problems.length) return { problems, warnings };
  const recipe: Recipe = {
    version: RECIPE_VERSION,
    name,
    file,
    distro: { id: distroId, release, arch },
    ...(variant ? { variant } : {}),
    repos,
    packages,
    exclude: strings('exclude'),
    weakDeps: val<boolean | null>('weak_deps') ?? true,
    ...(typeof val<boolean | null>('best') === 'boolean' ? { best: val<boolean>('best') } : {}),
    modules,
    multilibArches,
    hooks,
    output: { formats, ...(sde !== undefined ? { sourceDateEpoch: sde } : {}), ...(levels && Object.keys(levels).length ? { levels: { ...levels } } : {}) },
    rpmdb: rpmdb!,
    ...(val<string>('description') ? { description: val<string>('description') } : {}),
    ...(environment ? { environment } : {}),
  };
  return { recipe, problems, warnings };

  function checkUrl(u: string, schemes: string[], loc: Loc, key: string, why?: string) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      // new URL throws a TypeError for anything unparsable; that is the finding itself.
      at(loc, key, `"${u}" is not a URL`);
      return;
    }
    if (!schemes.includes(url.protocol)) at(loc, key, `"${u}": scheme ${url.protocol} not allowed${why ? ` (${why})` : ` (use ${schemes.join(' ')})`}`);
  }
}

function checkSpecs(n: TreeNode | undefined, key: string, at: (loc: Loc, key: string, msg: string) => void): void {
  if (n?.kind !== 'seq') return;
  n.items.forEach((it, i) => {
    const s = it.kind === 'scalar' ? String(it.value ?? '') : '';
    if (/\s/.test(s.trim()) && !/^\S+\s*(=|>=|<=|<|>)\s*\S+$/.test(s.trim())) at({ file: it.file, line: it.line }, `${key}[${i}]`, `"${s}" has spaces: one package spec per list item`);
  });
}

async function hookScripts(cwd: string, n: TreeNode | undefined, key: string, at: (loc: Loc, key: string, msg: string) => void): Promise<string[]> {
  if (!n) return [];
  const items = n.kind === 'seq' ? n.items : [n];
  const out: string[] = [];
  for (const [i, it] of items.entries()) {
    const k = n.kind === 'seq' ? `${key}[${i}]` : key;
    if (it.kind === 'scalar') out.push(String(it.value));
    else if (it.kind === 'map') {
      const run = getChild(it, 'run');
      const file = getChild(it, 'file');
      if (run?.kind === 'scalar') out.push(String(run.value));
      else if (file?.kind === 'scalar') {
        // Relative to the recipe file that declared the hook, not to the cwd or the child recipe.
        const path = resolve(cwd, dirname(it.file), String(file.value));
        try {
          out.push(await readFile(path, 'utf8'));
        } catch (err) {
          at({ file: file.file, line: file.line }, `${k}.file`, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
      }
    }
  }
  return out;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

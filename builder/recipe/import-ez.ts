// `vzbuild recipe import ez DIR`: an OpenVZ/Virtuozzo EZ OS template becomes a recipe.
// Two layouts are understood:
//   - the template's source tree (github.com/OpenVZ/<os>-<ver>-<arch>-ez): os_packages,
//     os_mirrorlist, os_environment, ..., and <app>_packages for application templates;
//   - an installed template (/vz/template/<os>/<ver>/<arch>/config/os/default/packages,
//     ..., with application templates under config/app/<app>/default/).
// Files read: packages, mirrorlist, repositories, environment, package_manager,
// distribution, osrelease, upgradable_versions, description, and the pre-cache,
// post-cache, post-install (and pre-install) scripts. Application templates become
// variants. vztt's URL macros ($SW_SERVER, $CE_SERVER, ...; etc/url.map) are expanded;
// its $RELEASE/$BASEARCH style variables become ours.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { ValidationError, isErrno } from '../errors.js';
import { emitRecipeYaml } from './emit.js';
import { RecipeError } from './errors.js';
import { displayPath } from './index.js';
import { checkImported, shippedKeys, uniqueId, unknownVars } from './import-common.js';
import type { ImportResult } from './import-repo.js';

export interface ImportEzOptions {
  /** Recipe name; default `<os>-<release>-<arch>` as vzpkg names the cache. */
  name?: string;
  /** Override what the directory name says. */
  distro?: Partial<{ id: string; release: string; arch: string }>;
  /** vztt's url.map (`$MACRO<tab>URL` lines); default: vztt's shipped values. */
  urlMap?: Record<string, string>;
  vars?: Record<string, string>;
}

/** vztt's etc/url.map defaults (the public servers its templates name). */
export const VZTT_URL_MAP: Record<string, string> = {
  $SW_SERVER: 'http://vzdownload.swsoft.com',
  $CE_SERVER: 'http://mirror.centos.org',
  $SUSE_SERVER: 'http://download.opensuse.org',
  $DEB_SERVER: 'ftp://ftp.de.debian.org',
  $SUSE2_SERVER: 'ftp://ftp.suse.com',
  $UBU_SERVER: 'http://archive.ubuntu.com',
};

/** vzpkg/vztt template variables and the dnf variables they mean. */
const VZ_VARS: Record<string, string> = { RELEASE: '$releasever', OS_VER: '$releasever', BASEARCH: '$basearch', OS_ARCH: '$basearch', ARCH: '$arch' };

export function parseUrlMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(\$\w+)(\S*)\s+(\S+)\s*$/.exec(line);
    if (m && !line.trim().startsWith('#')) out[m[1]] = m[3].replace(/\/+$/, '');
  }
  return out;
}

interface EzFiles {
  dir: string;
  /** File name for a key: "os_packages" or "packages". */
  os: (key: string) => string;
  apps: Map<string, (key: string) => string>;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}

async function locate(dir: string): Promise<EzFiles> {
  if (await exists(join(dir, 'os_packages'))) {
    const apps = new Map<string, (k: string) => string>();
    for (const f of await readdir(dir)) {
      const m = /^(.+)_packages$/.exec(f);
      if (m && m[1] !== 'os') apps.set(m[1], (k) => join(dir, `${m[1]}_${k}`));
    }
    return { dir, os: (k) => join(dir, `os_${k}`), apps };
  }
  for (const osDir of [dir, join(dir, 'config/os/default'), join(dir, 'os/default')]) {
    if (!(await exists(join(osDir, 'packages')))) continue;
    const apps = new Map<string, (k: string) => string>();
    for (const appRoot of [join(osDir, '../../app'), join(dir, 'config/app')]) {
      if (!(await exists(appRoot))) continue;
      for (const app of await readdir(appRoot)) {
        const d = join(appRoot, app, 'default');
        if (await exists(join(d, 'packages'))) apps.set(app, (k) => join(d, k));
      }
    }
    return { dir: osDir, os: (k) => join(osDir, k), apps };
  }
  throw new RecipeError('E_RECIPE_IMPORT', `${dir} is not an EZ template: no os_packages (template source) or packages / config/os/default/packages (installed template)`);
}

async function readOpt(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** Lines without comments and blanks. */
function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** The distro from a path such as .../centos-7-x86_64-ez or /vz/template/centos/7/x86_64/... */
export function distroFromPath(p: string): { id: string; release: string; arch: string } | undefined {
  const m = /(?:^|[/-])([a-z][a-z0-9]*?)[-/](\d[\w.]*)[-/](x86_64|i386|i686|aarch64|ppc64le|s390x)(?:$|[/-])/.exec(p);
  if (!m) return undefined;
  return { id: m[1], release: m[2], arch: m[3] === 'i386' ? 'i686' : m[3] };
}

/** vztt package_manager names (rpm49x64, rpm416x64, ...) -> the rpmdb backend. */
export function rpmdbFromPackageManager(pm: string): 'sqlite' | 'bdb' | undefined {
  const m = /^rpm(\d)(\d+)/.exec(pm.trim());
  if (!m) return undefined;
  return Number(m[1]) > 4 || Number(m[2]) >= 16 ? 'sqlite' : 'bdb';
}

export async function importEzTemplate(dirArg: string, ctx: Ctx, opts: ImportEzOptions = {}): Promise<ImportResult> {
  const dir = resolve(ctx.cwd, dirArg);
  const ez = await locate(dir);
  const shown = (p: string) => displayPath(ctx.cwd, p);
  const fromPath = distroFromPath(dir) ?? distroFromPath(basename(dir));
  const distro = { ...fromPath, ...opts.distro };
  if (!distro.id || !distro.release || !distro.arch) {
    throw new RecipeError('E_RECIPE_IMPORT', `cannot tell the distro of ${shown(dir)} from its path`, { hint: 'pass --distro ID --release N --arch ARCH' });
  }
  const urlMap = opts.urlMap ?? VZTT_URL_MAP;
  const vars = opts.vars ?? {};
  const problems: string[] = [];
  const warnings: string[] = [];
  const taken = new Set<string>();

  const expandUrl = (u: string, where: string) => {
    let out = u;
    for (const [macro, url] of Object.entries(urlMap)) out = out.split(macro).join(url);
    out = out.replace(/\$(?:\{(\w+)\}|(\w+))/g, (m, a?: string, b?: string) => VZ_VARS[(a ?? b)!] ?? m);
    for (const v of unknownVars(out, vars)) problems.push(`${where}: "${u}" uses $${v}; pass --var ${v}=VALUE${v.endsWith('_SERVER') ? ' or --url-map FILE' : ''}`);
    return out;
  };
  const reposFrom = async (get: (k: string) => string) => {
    const out: Record<string, unknown>[] = [];
    for (const u of lines(await readOpt(get('mirrorlist')))) {
      const url = expandUrl(u, shown(get('mirrorlist')));
      out.push({ id: uniqueId(repoIdFromUrl(url), taken), mirrorlist: url });
    }
    for (const u of lines(await readOpt(get('repositories')))) {
      const url = expandUrl(u, shown(get('repositories')));
      out.push({ id: uniqueId(repoIdFromUrl(url), taken), baseurl: url });
    }
    return out;
  };

  let packages = lines(await readOpt(ez.os('packages')));
  // EZ templates may ship spec files (os_dummy-*) that vzpkg builds into helper packages
  // at cache time; vzbuild installs from repositories only, so those names are taken out
  // of the list (and said so) instead of failing the resolve later.
  const built = await specPackages(ez);
  for (const { name, file } of built) {
    if (!packages.includes(name)) continue;
    packages = packages.filter((p) => p !== name);
    warnings.push(`${shown(file)}: package ${name} is built by vzpkg from this spec; removed from packages (build it into a repo of your own and add it back)`);
  }
  if (!packages.length) problems.push(`${shown(ez.os('packages'))}: no packages listed`);
  const repos = await reposFrom(ez.os);
  if (!repos.length) problems.push(`${shown(ez.dir)}: neither mirrorlist nor repositories names a repository`);

  const keys = await shippedKeys(ctx, distro.id, distro.release);
  for (const r of repos) {
    if (keys) Object.assign(r, { gpgcheck: true, gpgkey: keys.gpgkey, fingerprint: keys.fingerprint });
    else r.gpgcheck = false;
  }

  const environment: Record<string, string> = {};
  for (const l of lines(await readOpt(ez.os('environment')))) {
    const m = /^([A-Za-z_]\w*)=(.*)$/.exec(l);
    if (m) environment[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
    else problems.push(`${shown(ez.os('environment'))}: "${l}" is not NAME=VALUE`);
  }

  const hooks: Record<string, { run: string }[]> = {};
  const notes: string[] = [];
  for (const [file, key] of [
    ['pre-cache', 'pre_cache'],
    ['post-cache', 'post_cache'],
    ['post-install', 'post_install'],
  ] as const) {
    const script = await readOpt(ez.os(file));
    if (script?.trim()) hooks[key] = [{ run: script }];
  }
  const preInstall = await readOpt(ez.os('pre-install'));
  if (preInstall?.trim()) warnings.push(`${shown(ez.os('pre-install'))}: vzbuild has no pre-install hook (packages go into an empty root); the script is kept as a comment`);

  const pm = (await readOpt(ez.os('package_manager')))?.trim();
  const rpmdb = pm ? rpmdbFromPackageManager(pm) : undefined;
  const info: string[] = [];
  for (const f of ['distribution', 'osrelease', 'upgradable_versions', 'package_manager', 'description', 'summary']) {
    const v = (await readOpt(ez.os(f)))?.trim();
    if (v) info.push(`${f}: ${v.split('\n').join(', ')}`);
  }

  const variants: Record<string, Record<string, unknown>> = {};
  for (const [app, get] of [...ez.apps.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const v: Record<string, unknown> = { packages: lines(await readOpt(get('packages'))) };
    const appRepos = await reposFrom(get);
    for (const r of appRepos) {
      // Application repos (docker, ...) are third-party: their keys are not the distro's.
      r.gpgcheck = false;
      notes.push(`variant ${app}: repo ${String(r.id)} from ${shown(get('mirrorlist'))} has no known key; add gpgkey/fingerprint`);
    }
    if (appRepos.length) v.repos = appRepos;
    if (!(v.packages as string[]).length && !appRepos.length) continue;
    if (!(v.packages as string[]).length) delete v.packages;
    variants[app.toLowerCase()] = v;
  }
  if (problems.length) throw new ValidationError(`EZ template ${shown(dir)}`, problems);

  const name = opts.name ?? `${distro.id}-${distro.release}-${distro.arch}`;
  const data: Record<string, unknown> = {
    name,
    distro,
    ...(rpmdb ? { rpmdb } : {}),
    ...(Object.keys(vars).length ? { vars } : {}),
    repos,
    packages,
    ...(Object.keys(environment).length ? { environment } : {}),
    ...(Object.keys(hooks).length ? { hooks } : {}),
    ...(Object.keys(variants).length ? { variants } : {}),
  };
  const keyNote = keys
    ? [`Keys: the pinned key of the shipped ${distro.id}-${distro.release} recipe (EZ templates carry none).`]
    : [`EZ templates carry no keys and vzbuild ships none for ${distro.id} ${distro.release}: gpgcheck is off. Add gpgkey + fingerprint.`];
  const text = emitRecipeYaml(data, {
    header: [`Imported by \`vzbuild recipe import ez\` from ${shown(dir)}.`, ...info.map((l) => `EZ ${l}`), ...(preInstall?.trim() ? ['EZ pre-install script (not run by vzbuild):', ...preInstall.trimEnd().split('\n').map((l) => `  ${l}`)] : [])],
    keyComments: { repos: [...keyNote, ...notes], variants: Object.keys(variants).length ? ['EZ application templates, one variant each (`--variant NAME`).'] : [] },
  });
  const checked = await checkImported(text, ctx);
  if (!keys) warnings.push(`${shown(dir)}: no pinned key for ${distro.id} ${distro.release}: the imported repos have gpgcheck off`);
  return { text, warnings, name: checked.recipe.name };
}

/** `Name:` of the spec files an EZ template carries (os_dummy-systemd and the like). */
async function specPackages(ez: EzFiles): Promise<{ name: string; file: string }[]> {
  const out: { name: string; file: string }[] = [];
  for (const f of await readdir(ez.dir)) {
    if (!/^(os_)?dummy-/.test(f)) continue;
    const text = (await readOpt(join(ez.dir, f))) ?? '';
    const m = /^Name:\s*(\S+)/m.exec(text);
    if (m) out.push({ name: m[1], file: join(ez.dir, f) });
  }
  return out;
}

/** A readable repo id from a mirrorlist/baseurl: ?repo=updates, or the last path part. */
function repoIdFromUrl(url: string): string {
  try {
    const u = new URL(url);
    const q = u.searchParams.get('repo');
    if (q) return q;
    const parts = u.pathname.split('/').filter((p) => p && !/^\$/.test(p) && !['os', 'x86_64', 'mirrorlist', 'download', 'mirrors'].includes(p));
    return parts[parts.length - 1] ?? u.hostname;
  } catch {
    // Not a URL (validation reports it); derive the id from the text.
    return url.replace(/^.*\//, '') || 'repo';
  }
}

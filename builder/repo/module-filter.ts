// Which packages modularity hides, as dnf (libdnf) decides it:
//  - a stream is wanted when it is enabled, or is the default and its module is not
//    disabled (and not enabled at another stream);
//  - wanted streams are resolved with their module dependencies: a context is usable when
//    one of its dependency alternatives holds (platform matches, required modules are or
//    can be made active); required modules that are not wanted yet are activated (their
//    default stream first) — dnf's module solve does the same;
//  - all versions of the chosen (name, stream, context) are active;
//  - a package whose NEVRA is an artifact of any module build is hidden unless it is an
//    artifact of an active build; a non-modular binary package is hidden when an active
//    build has a binary artifact of that name, whatever its arch (a source package: a
//    source artifact of that name) — so the stream's version wins; packages of
//    module_hotfixes repos are never hidden.
// Pure: module data, packages and state in; the hidden set out.
import type { RepoPackage } from '../model/package.js';
import type { ModularFilter, ModuleDefaults, ModuleIndex, ModuleState, ModuleStream } from './types.js';

export interface ModularFilterInput {
  modules: ModuleIndex[];
  packages: Iterable<RepoPackage>;
  state?: ModuleState;
  /** Repo ids with module_hotfixes=1. */
  hotfixRepos?: string[];
  /** Module arches to consider (e.g. ["x86_64", "noarch"]); all when unset. */
  arches?: string[];
}

/** "name:stream:version:context:arch". */
export function moduleNsvca(m: ModuleStream): string {
  return `${m.name}:${m.stream}:${m.version}:${m.context}:${m.arch}`;
}

function newestFirst(a: ModuleStream, b: ModuleStream): number {
  const d = BigInt(b.version) - BigInt(a.version);
  return d > 0n ? 1 : d < 0n ? -1 : a.context < b.context ? -1 : a.context > b.context ? 1 : 0;
}

function allows(list: string[], stream: string): boolean {
  const pos = list.filter((s) => !s.startsWith('-'));
  return (pos.length === 0 || pos.includes(stream)) && !list.includes(`-${stream}`);
}

/** Defaults merged across repos; repos that disagree on a module's stream leave it without one. */
export function mergeModuleDefaults(indexes: ModuleIndex[]): Map<string, ModuleDefaults> {
  const out = new Map<string, ModuleDefaults>();
  const conflicted = new Set<string>();
  for (const ix of indexes) {
    for (const d of Object.values(ix.defaults)) {
      const prev = out.get(d.module);
      if (prev && prev.stream !== d.stream) conflicted.add(d.module);
      out.set(d.module, { ...prev, ...d, profiles: { ...prev?.profiles, ...d.profiles } });
    }
  }
  for (const m of conflicted) {
    const { stream: _dropped, ...rest } = out.get(m)!;
    out.set(m, rest);
  }
  return out;
}

const isSource = (arch: string) => arch === 'src' || arch === 'nosrc';

/** The name of an artifact "name-epoch:version-release.arch". */
function artifactName(a: string): string {
  const dot = a.lastIndexOf('.');
  return a.slice(0, a.lastIndexOf('-', a.lastIndexOf('-', dot) - 1));
}

export function computeModularFilter(input: ModularFilterInput): ModularFilter {
  const state = input.state ?? {};
  const arches = input.arches && new Set(input.arches);
  const seen = new Set<string>();
  const byName = new Map<string, ModuleStream[]>();
  for (const ix of input.modules) {
    for (const m of ix.streams) {
      if (arches && !arches.has(m.arch)) continue;
      const key = moduleNsvca(m);
      if (seen.has(key)) continue;
      seen.add(key);
      let list = byName.get(m.name);
      if (!list) byName.set(m.name, (list = []));
      list.push(m);
    }
  }
  for (const list of byName.values()) list.sort(newestFirst);
  const defaults = mergeModuleDefaults(input.modules);
  const disabled = new Set(state.disabled ?? []);
  const enabled = state.enabled ?? {};
  const problems: string[] = [];
  // name -> chosen stream and context (tentative while resolving).
  let active = new Map<string, { stream: string; context?: string }>();

  const wantedStream = (name: string): string | undefined =>
    disabled.has(name) ? undefined : (enabled[name] ?? defaults.get(name)?.stream);

  function satisfies(req: Record<string, string[]>, trail: string[]): string | undefined {
    for (const [mod, streams] of Object.entries(req)) {
      if (mod === 'platform') {
        if (state.platform !== undefined && !allows(streams, state.platform)) return `platform:${state.platform} is not one of [${streams.join(', ')}]`;
        continue;
      }
      const cur = active.get(mod);
      if (cur) {
        if (!allows(streams, cur.stream)) return `needs ${mod}:[${streams.join(', ')}] but ${mod}:${cur.stream} is active`;
        continue;
      }
      if (disabled.has(mod)) return `needs module ${mod}, which is disabled`;
      const want = wantedStream(mod);
      const candidates = [...new Set((byName.get(mod) ?? []).map((m) => m.stream))].filter((s) => allows(streams, s));
      // The wanted (enabled or default) stream first; an enabled one is the only choice.
      const order = want !== undefined && enabled[mod] !== undefined ? candidates.filter((s) => s === want) : [...candidates.filter((s) => s === want), ...candidates.filter((s) => s !== want)];
      if (!order.some((s) => activate(mod, s, trail))) return `needs module ${mod}:[${streams.join(', ')}], which cannot be activated`;
    }
    return undefined;
  }

  function activate(name: string, stream: string, trail: string[]): boolean {
    const cur = active.get(name);
    if (cur) return cur.stream === stream;
    const builds = (byName.get(name) ?? []).filter((m) => m.stream === stream);
    if (!builds.length) {
      problems.push(`module ${name}:${stream} does not exist${trail.length ? ` (needed by ${trail.join(' <- ')})` : ''}`);
      return false;
    }
    const contexts = [...new Set(builds.map((b) => b.context))];
    const reasons: string[] = [];
    for (const context of contexts) {
      const build = builds.find((b) => b.context === context)!;
      const alternatives = build.requires.length ? build.requires : [{}];
      for (const alt of alternatives) {
        const snapshot = new Map(active);
        active.set(name, { stream, context });
        const why = satisfies(alt, [`${name}:${stream}`, ...trail]);
        if (why === undefined) return true;
        reasons.push(`${name}:${stream}:${context}: ${why}`);
        active = snapshot;
      }
    }
    problems.push(`module ${name}:${stream} cannot be activated: ${reasons.join('; ')}`);
    return false;
  }

  const explicit = Object.keys(enabled).filter((n) => !disabled.has(n)).sort();
  for (const name of explicit) activate(name, enabled[name], []);
  for (const name of [...byName.keys()].sort()) {
    const stream = wantedStream(name);
    if (stream !== undefined && enabled[name] === undefined && !active.has(name)) activate(name, stream, []);
  }

  const activeBuilds: ModuleStream[] = [];
  for (const [name, { stream, context }] of active) {
    for (const m of byName.get(name) ?? []) if (m.stream === stream && m.context === context) activeBuilds.push(m);
  }
  activeBuilds.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : newestFirst(a, b)));

  const modular = new Set<string>();
  // Names of all artifacts: a package whose name is none of them is neither modular nor
  // shadowed, which settles most packages without making their NEVRA strings.
  const modularNames = new Set<string>();
  for (const list of byName.values())
    for (const m of list)
      for (const a of m.artifacts) {
        modular.add(a);
        modularNames.add(artifactName(a));
      }
  const activeNevras = new Set<string>();
  const activeNameArch = new Set<string>();
  for (const m of activeBuilds) {
    for (const a of m.artifacts) {
      activeNevras.add(a);
      activeNameArch.add(`${artifactName(a)}.${isSource(a.slice(a.lastIndexOf('.') + 1)) ? 'src' : ''}`);
    }
  }
  const hotfix = new Set(input.hotfixRepos ?? []);
  const hidden = new Set<RepoPackage>();
  for (const p of input.packages) {
    if (hotfix.has(p.repo)) continue;
    // (a version or release with a '-', which rpm forbids, would defeat the name test)
    if (!modularNames.has(p.name) && !p.version.includes('-') && !p.release.includes('-')) continue;
    const nevra = `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`;
    if (modular.has(nevra)) {
      if (!activeNevras.has(nevra)) hidden.add(p);
    } else if (activeNameArch.has(`${p.name}.${isSource(p.arch) ? 'src' : ''}`)) {
      hidden.add(p);
    }
  }
  return { active: activeBuilds, hidden, problems };
}

// Which triggers fire, as rpm decides on a fresh install (lib/rpmtriggers.c, psm.c): a
// %triggerprein/%triggerin fires when a package of the trigger's name (and version range)
// is installed, in the trigger owner and with $1 = instances of the owner's name, $2 =
// instances of the source's name; a %filetriggerin fires once per installed package with
// files under one of its prefixes (those paths on stdin); a %transfiletriggerin once at
// the end with every matching path of the transaction. Higher priority runs first. Pure.
import type { Dep } from '../model/package.js';
import { rangesOverlap } from './deps.js';
import type { FileTrigger, InstallPackage, Trigger } from './types.js';

export type TriggerPkg = Pick<InstallPackage, 'name' | 'epoch' | 'version' | 'release' | 'arch' | 'triggers' | 'fileTriggers' | 'files'>;

/** Does installing `src` satisfy this trigger condition? (Name match, then the version range against src's EVR.) */
export function triggerMatches(cond: Dep, src: Pick<InstallPackage, 'name' | 'epoch' | 'version' | 'release'>): boolean {
  if (cond.name !== src.name) return false;
  return rangesOverlap({ name: src.name, sense: 'EQ', evr: { epoch: src.epoch, version: src.version, release: src.release } }, cond);
}

export interface FiredTrigger {
  owner: number;
  trigger: Trigger;
  source: number;
}

/**
 * %triggerprein or %triggerin runs set off by installing `installed[p]`, in rpm's order:
 * first triggers of installed packages on p (runTriggers), then p's own triggers on
 * what is installed (runImmedTriggers). `installed` holds p and everything before it;
 * for prein, p itself is not yet installed (pass includeSelf = false).
 */
export function packageTriggers(installed: readonly TriggerPkg[], p: number, kind: 'prein' | 'in', includeSelf: boolean): FiredTrigger[] {
  const out: FiredTrigger[] = [];
  const seen = new Set<string>();
  const add = (owner: number, ti: number, source: number) => {
    const k = `${owner}/${ti}/${source}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ owner, trigger: installed[owner].triggers[ti], source });
  };
  const candidates = installed.map((_, i) => i).filter((i) => includeSelf || i !== p);
  for (const owner of candidates) {
    installed[owner].triggers.forEach((t, ti) => {
      if (t.kind === kind && triggerMatches(t.dep, installed[p])) add(owner, ti, p);
    });
  }
  installed[p].triggers.forEach((t, ti) => {
    if (t.kind !== kind) return;
    for (const src of candidates) if (triggerMatches(t.dep, installed[src])) add(p, ti, src);
  });
  return out;
}

/** rpm matches file-trigger prefixes as directories ("/usr/lib64" means "/usr/lib64/"), so the directory itself never matches. */
export function matchPrefixes(prefixes: readonly string[], paths: readonly string[]): string[] {
  const dirs = prefixes.map((p) => (p.endsWith('/') ? p : p + '/'));
  return paths.filter((f) => dirs.some((pfx) => f.startsWith(pfx)));
}

export interface FiredFileTrigger {
  owner: number;
  trigger: FileTrigger;
  /** The matching paths, fed to the script on stdin. */
  paths: string[];
}

const byPriority = (a: FiredFileTrigger, b: FiredFileTrigger) => b.trigger.priority - a.trigger.priority;

/**
 * %filetriggerin runs after installing `installed[p]`: triggers of installed packages
 * (p included) set off by p's files, then p's own triggers set off by files installed
 * before it. Each owner's trigger runs at most once here.
 */
export function packageFileTriggers(installed: readonly TriggerPkg[], p: number): FiredFileTrigger[] {
  const out: FiredFileTrigger[] = [];
  const own = installed[p].files.filter((f) => !f.ghost).map((f) => f.path);
  for (let owner = 0; owner <= p; owner++) {
    for (const t of installed[owner].fileTriggers) {
      if (t.trans || t.kind !== 'in') continue;
      const paths = owner === p ? matchPrefixes(t.prefixes, installed.slice(0, p + 1).flatMap((q) => q.files.filter((f) => !f.ghost).map((f) => f.path))) : matchPrefixes(t.prefixes, own);
      if (paths.length) out.push({ owner, trigger: t, paths });
    }
  }
  return out.sort(byPriority);
}

/** %transfiletriggerin runs after %posttrans: every installed package's triggers, against all files of the transaction. */
export function transFileTriggers(installed: readonly TriggerPkg[]): FiredFileTrigger[] {
  const all = installed.flatMap((q) => q.files.filter((f) => !f.ghost).map((f) => f.path));
  const out: FiredFileTrigger[] = [];
  installed.forEach((q, owner) => {
    for (const t of q.fileTriggers) {
      if (!t.trans || t.kind !== 'in') continue;
      const paths = matchPrefixes(t.prefixes, all);
      if (paths.length) out.push({ owner, trigger: t, paths });
    }
  });
  return out.sort(byPriority);
}

/** rpmdbCountPackages by name: instances of `name` installed so far. */
export function countByName(installed: readonly Pick<InstallPackage, 'name'>[], name: string): number {
  let n = 0;
  for (const q of installed) if (q.name === name) n++;
  return n;
}

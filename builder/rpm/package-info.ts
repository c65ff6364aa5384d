// Typed views of a main header: NEVRA and descriptive tags, every dependency kind with sense
// flags and EVR, scriptlets with interpreters, triggers and file triggers, plus the file
// list (file-list.ts). Plain data, JSON-safe; what assemble needs to install a package and
// what `vzbuild inspect` prints. The raw header stays available to callers as header.blob.
import type { Dep, DepKind, Nevra, Sense } from '../model/package.js';
import { formatError } from './errors.js';
import { fileList, type RpmFile } from './file-list.js';
import type { Header } from './header.js';
import { RPMSENSE, RPMSENSE_PREREQ_MASK, RPMSCRIPT_FLAG, Tag } from './tags.js';
import { parseEvr } from './vercmp.js';

export interface RpmDep {
  name: string;
  /** Raw RPMSENSE_* flags, as the header stores them. */
  flags: number;
  /** EVR text as stored ('' for unversioned). */
  version: string;
  sense?: Sense;
  /** Requires(pre/post/preun/postun/pretrans/posttrans...) and legacy PreReq. */
  pre: boolean;
  /** Which install phases the dependency is needed for, from the flags. */
  phases: ScriptletKind[];
  /** rpmlib(...) and other internal dependencies. */
  rpmlib: boolean;
}

export type ScriptletKind = 'pretrans' | 'pre' | 'post' | 'preun' | 'postun' | 'posttrans' | 'preuntrans' | 'postuntrans' | 'verify';
export const SCRIPTLET_KINDS: readonly ScriptletKind[] = ['pretrans', 'pre', 'post', 'preun', 'postun', 'posttrans', 'preuntrans', 'postuntrans', 'verify'];

export interface Scriptlet {
  kind: ScriptletKind;
  /** argv of the interpreter: ['/bin/sh'] by default, ['<lua>'] for Lua, ['/sbin/ldconfig'] for -p. */
  interpreter: string[];
  /** The script text; undefined for `-p /prog` scriptlets without a body. */
  body?: string;
  /** RPMSCRIPT_FLAG_* (expand, qformat, critical). */
  flags: number;
  lua: boolean;
}

export type TriggerKind = 'prein' | 'in' | 'un' | 'postun';

export interface TriggerCondition {
  name: string;
  flags: number;
  version: string;
  sense?: Sense;
}

export interface Trigger {
  kind: TriggerKind;
  interpreter: string[];
  body?: string;
  flags: number;
  lua: boolean;
  /** The packages (or, for file triggers, path prefixes) that fire it. */
  conditions: TriggerCondition[];
  /** File triggers only: priority (higher runs first). */
  priority?: number;
}

export interface PackageInfo extends Nevra {
  /** True when the header carries an EPOCH tag (rpm shows "(none)" otherwise). */
  hasEpoch: boolean;
  sourcePackage: boolean;
  sourceRpm?: string;
  summary: string;
  description: string;
  license: string;
  group: string;
  url?: string;
  vendor?: string;
  packager?: string;
  buildTime: number;
  buildHost?: string;
  /** Installed size in bytes. */
  size: number;
  payloadFormat: string;
  /** PAYLOADCOMPRESSOR; 'gzip' when absent, as rpm assumes. */
  payloadCompressor: string;
  payloadFlags?: string;
  rpmVersion?: string;
  prefixes: string[];
  deps: Record<DepKind, RpmDep[]>;
  /** Install-order hints (%{ORDERNAME}). */
  order: RpmDep[];
  files: RpmFile[];
  fileDigestAlgo: string;
  /** Hard-link groups as indexes into `files`. */
  linkGroups: number[][];
  scriptlets: Scriptlet[];
  triggers: Trigger[];
  fileTriggers: Trigger[];
  transFileTriggers: Trigger[];
}

const SENSE_BY_FLAGS: Record<number, Sense | undefined> = {
  [RPMSENSE.LESS]: 'LT',
  [RPMSENSE.LESS | RPMSENSE.EQUAL]: 'LE',
  [RPMSENSE.EQUAL]: 'EQ',
  [RPMSENSE.GREATER | RPMSENSE.EQUAL]: 'GE',
  [RPMSENSE.GREATER]: 'GT',
};

export function senseOf(flags: number): Sense | undefined {
  return SENSE_BY_FLAGS[flags & (RPMSENSE.LESS | RPMSENSE.GREATER | RPMSENSE.EQUAL)];
}

const PHASE_BITS: [number, ScriptletKind][] = [
  [RPMSENSE.PRETRANS, 'pretrans'],
  [RPMSENSE.SCRIPT_PRE, 'pre'],
  [RPMSENSE.SCRIPT_POST, 'post'],
  [RPMSENSE.SCRIPT_PREUN, 'preun'],
  [RPMSENSE.SCRIPT_POSTUN, 'postun'],
  [RPMSENSE.POSTTRANS, 'posttrans'],
  [RPMSENSE.PREUNTRANS, 'preuntrans'],
  [RPMSENSE.POSTUNTRANS, 'postuntrans'],
  [RPMSENSE.SCRIPT_VERIFY, 'verify'],
];

function depTriple(h: Header, nameTag: number, flagsTag: number, versionTag: number): { name: string; flags: number; version: string }[] {
  const names = h.getStringArray(nameTag);
  if (!names) return [];
  const flags = h.getNumberArray(flagsTag) ?? [];
  const versions = h.getStringArray(versionTag) ?? [];
  if ((flags.length && flags.length !== names.length) || (versions.length && versions.length !== names.length)) {
    throw formatError(h.subject, `dependency tag ${nameTag}: ${names.length} names, ${flags.length} flags, ${versions.length} versions`);
  }
  return names.map((name, i) => ({ name, flags: flags[i] ?? 0, version: versions[i] ?? '' }));
}

function toRpmDep(d: { name: string; flags: number; version: string }): RpmDep {
  return {
    name: d.name,
    flags: d.flags,
    version: d.version,
    sense: d.version ? senseOf(d.flags) : undefined,
    pre: (d.flags & RPMSENSE_PREREQ_MASK) !== 0,
    phases: PHASE_BITS.filter(([bit]) => d.flags & bit).map(([, k]) => k),
    rpmlib: (d.flags & RPMSENSE.RPMLIB) !== 0 || d.name.startsWith('rpmlib('),
  };
}

const DEP_TAGS: Record<DepKind, [number, number, number]> = {
  provides: [Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION],
  requires: [Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION],
  conflicts: [Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION],
  obsoletes: [Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION],
  recommends: [Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION],
  suggests: [Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION],
  supplements: [Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION],
  enhances: [Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION],
};
/** rpm < 4.12 stored weak deps as OLDSUGGESTS/OLDENHANCES, "strong" ones flagged 1<<27. */
const RPMSENSE_STRONG = 1 << 27;

export function dependencies(h: Header): Record<DepKind, RpmDep[]> {
  const out = {} as Record<DepKind, RpmDep[]>;
  for (const [kind, tags] of Object.entries(DEP_TAGS) as [DepKind, [number, number, number]][]) out[kind] = depTriple(h, ...tags).map(toRpmDep);
  if (!h.has(Tag.RECOMMENDNAME) && !h.has(Tag.SUGGESTNAME)) {
    for (const d of depTriple(h, Tag.OLDSUGGESTSNAME, Tag.OLDSUGGESTSFLAGS, Tag.OLDSUGGESTSVERSION)) {
      (d.flags & RPMSENSE_STRONG ? out.recommends : out.suggests).push(toRpmDep({ ...d, flags: d.flags & ~RPMSENSE_STRONG }));
    }
  }
  if (!h.has(Tag.SUPPLEMENTNAME) && !h.has(Tag.ENHANCENAME)) {
    for (const d of depTriple(h, Tag.OLDENHANCESNAME, Tag.OLDENHANCESFLAGS, Tag.OLDENHANCESVERSION)) {
      (d.flags & RPMSENSE_STRONG ? out.supplements : out.enhances).push(toRpmDep({ ...d, flags: d.flags & ~RPMSENSE_STRONG }));
    }
  }
  return out;
}

/** An RpmDep in the shared model's shape (what repo metadata and the resolver use). */
export function toModelDep(d: RpmDep): Dep {
  const dep: Dep = { name: d.name };
  if (d.sense && d.version) {
    dep.sense = d.sense;
    dep.evr = parseEvr(d.version);
  }
  if (d.pre) dep.pre = true;
  return dep;
}

/** Each scriptlet's (body, interpreter, flags) tags. */
export const SCRIPT_TAGS: Record<ScriptletKind, [number, number, number]> = {
  pretrans: [Tag.PRETRANS, Tag.PRETRANSPROG, Tag.PRETRANSFLAGS],
  pre: [Tag.PREIN, Tag.PREINPROG, Tag.PREINFLAGS],
  post: [Tag.POSTIN, Tag.POSTINPROG, Tag.POSTINFLAGS],
  preun: [Tag.PREUN, Tag.PREUNPROG, Tag.PREUNFLAGS],
  postun: [Tag.POSTUN, Tag.POSTUNPROG, Tag.POSTUNFLAGS],
  posttrans: [Tag.POSTTRANS, Tag.POSTTRANSPROG, Tag.POSTTRANSFLAGS],
  preuntrans: [Tag.PREUNTRANS, Tag.PREUNTRANSPROG, Tag.PREUNTRANSFLAGS],
  postuntrans: [Tag.POSTUNTRANS, Tag.POSTUNTRANSPROG, Tag.POSTUNTRANSFLAGS],
  verify: [Tag.VERIFYSCRIPT, Tag.VERIFYSCRIPTPROG, Tag.VERIFYSCRIPTFLAGS],
};

export function scriptlets(h: Header): Scriptlet[] {
  const out: Scriptlet[] = [];
  for (const kind of SCRIPTLET_KINDS) {
    const [bodyTag, progTag, flagsTag] = SCRIPT_TAGS[kind];
    const body = h.getString(bodyTag);
    // PROG is a string array since rpm 4.4; older headers store one STRING.
    const prog = h.getStringArray(progTag);
    if (body === undefined && !prog) continue;
    const interpreter = prog && prog.length ? prog : ['/bin/sh'];
    out.push({ kind, interpreter, body, flags: h.getNumber(flagsTag) ?? 0, lua: interpreter[0] === '<lua>' });
  }
  return out;
}

const TRIGGER_KIND_BITS: [number, TriggerKind][] = [
  [RPMSENSE.TRIGGERPREIN, 'prein'],
  [RPMSENSE.TRIGGERIN, 'in'],
  [RPMSENSE.TRIGGERUN, 'un'],
  [RPMSENSE.TRIGGERPOSTUN, 'postun'],
];

interface TriggerTags {
  scripts: number;
  prog: number;
  scriptFlags: number;
  name: number;
  version: number;
  flags: number;
  index: number;
  priorities?: number;
}

function triggerSet(h: Header, t: TriggerTags): Trigger[] {
  const bodies = h.getStringArray(t.scripts);
  if (!bodies) return [];
  const progs = h.getStringArray(t.prog) ?? [];
  const sflags = h.getNumberArray(t.scriptFlags) ?? [];
  const prios = t.priorities ? h.getNumberArray(t.priorities) ?? [] : [];
  const conds = depTriple(h, t.name, t.flags, t.version);
  const index = h.getNumberArray(t.index) ?? [];
  if (index.length !== conds.length) throw formatError(h.subject, `trigger tag ${t.index}: ${index.length} indexes for ${conds.length} conditions`);
  const triggers: Trigger[] = bodies.map((body, i) => {
    const interp = progs[i] || '/bin/sh';
    return { kind: 'in', interpreter: [interp], body, flags: sflags[i] ?? 0, lua: interp === '<lua>', conditions: [] };
  });
  conds.forEach((c, ci) => {
    const tr = triggers[index[ci]];
    if (!tr) throw formatError(h.subject, `trigger condition ${c.name} points to script ${index[ci]} of ${triggers.length}`);
    tr.kind = TRIGGER_KIND_BITS.find(([bit]) => c.flags & bit)?.[1] ?? tr.kind;
    tr.conditions.push({ name: c.name, flags: c.flags, version: c.version, sense: c.version ? senseOf(c.flags) : undefined });
  });
  if (t.priorities) triggers.forEach((tr, i) => (tr.priority = prios[i] ?? 1000000));
  return triggers;
}

export function triggers(h: Header): { triggers: Trigger[]; fileTriggers: Trigger[]; transFileTriggers: Trigger[] } {
  return {
    triggers: triggerSet(h, {
      scripts: Tag.TRIGGERSCRIPTS, prog: Tag.TRIGGERSCRIPTPROG, scriptFlags: Tag.TRIGGERSCRIPTFLAGS,
      name: Tag.TRIGGERNAME, version: Tag.TRIGGERVERSION, flags: Tag.TRIGGERFLAGS, index: Tag.TRIGGERINDEX,
    }),
    fileTriggers: triggerSet(h, {
      scripts: Tag.FILETRIGGERSCRIPTS, prog: Tag.FILETRIGGERSCRIPTPROG, scriptFlags: Tag.FILETRIGGERSCRIPTFLAGS,
      name: Tag.FILETRIGGERNAME, version: Tag.FILETRIGGERVERSION, flags: Tag.FILETRIGGERFLAGS, index: Tag.FILETRIGGERINDEX,
      priorities: Tag.FILETRIGGERPRIORITIES,
    }),
    transFileTriggers: triggerSet(h, {
      scripts: Tag.TRANSFILETRIGGERSCRIPTS, prog: Tag.TRANSFILETRIGGERSCRIPTPROG, scriptFlags: Tag.TRANSFILETRIGGERSCRIPTFLAGS,
      name: Tag.TRANSFILETRIGGERNAME, version: Tag.TRANSFILETRIGGERVERSION, flags: Tag.TRANSFILETRIGGERFLAGS, index: Tag.TRANSFILETRIGGERINDEX,
      priorities: Tag.TRANSFILETRIGGERPRIORITIES,
    }),
  };
}

export function nevraOf(h: Header): Nevra & { hasEpoch: boolean } {
  const name = h.getString(Tag.NAME);
  if (!name) throw formatError(h.subject, 'header has no NAME');
  const epoch = h.getNumber(Tag.EPOCH);
  return {
    name,
    epoch: epoch ?? 0,
    hasEpoch: epoch !== undefined,
    version: h.getString(Tag.VERSION) ?? '',
    release: h.getString(Tag.RELEASE) ?? '',
    arch: h.getString(Tag.ARCH) ?? '',
  };
}

/** The full typed view of a main header. */
export function packageInfo(h: Header): PackageInfo {
  const nevra = nevraOf(h);
  const { files, digestAlgo, linkGroups } = fileList(h);
  const sourceRpm = h.getString(Tag.SOURCERPM);
  return {
    ...nevra,
    sourcePackage: h.has(Tag.SOURCEPACKAGE) || sourceRpm === undefined,
    sourceRpm,
    summary: h.getString(Tag.SUMMARY) ?? '',
    description: h.getString(Tag.DESCRIPTION) ?? '',
    license: h.getString(Tag.LICENSE) ?? '',
    group: h.getString(Tag.GROUP) ?? 'Unspecified',
    url: h.getString(Tag.URL),
    vendor: h.getString(Tag.VENDOR),
    packager: h.getString(Tag.PACKAGER),
    buildTime: h.getNumber(Tag.BUILDTIME) ?? 0,
    buildHost: h.getString(Tag.BUILDHOST),
    size: h.getNumber(Tag.LONGSIZE) ?? h.getNumber(Tag.SIZE) ?? 0,
    payloadFormat: h.getString(Tag.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: h.getString(Tag.PAYLOADCOMPRESSOR) ?? 'gzip',
    payloadFlags: h.getString(Tag.PAYLOADFLAGS),
    rpmVersion: h.getString(Tag.RPMVERSION),
    prefixes: h.getStringArray(Tag.PREFIXES) ?? [],
    deps: dependencies(h),
    order: depTriple(h, Tag.ORDERNAME, Tag.ORDERFLAGS, Tag.ORDERVERSION).map(toRpmDep),
    files,
    fileDigestAlgo: digestAlgo,
    linkGroups,
    scriptlets: scriptlets(h),
    ...triggers(h),
  };
}

export { RPMSCRIPT_FLAG };

// The assemble stage's view of one package, made from builder/rpm's typed header view
// (packageInfo): dependencies with the flags rpm's ordering looks at, the file list with
// the metadata rpm applies from the header (not from the cpio), scriptlets, triggers and
// file triggers flattened to one condition each.
import { readRpmHeaders, packageInfo, type PackageInfo, type RpmFile, type Trigger as RpmTrigger } from '../rpm/index.js';
import { depFromHeader, type HeaderDep } from './deps.js';
import type { FileKind, FileTrigger, InstallFile, InstallPackage, Scriptlet, ScriptletKind, Trigger } from './types.js';

const S_IFMT = 0o170000;
const KIND_BY_IFMT: Record<number, FileKind> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o020000: 'chr',
  0o060000: 'blk',
  0o010000: 'fifo',
  0o140000: 'socket',
};

export function fileKind(mode: number): FileKind {
  return KIND_BY_IFMT[mode & S_IFMT] ?? 'file';
}

function installFile(f: RpmFile): InstallFile {
  const out: InstallFile = {
    path: f.path,
    kind: fileKind(f.mode),
    perm: f.mode & 0o7777,
    user: f.user,
    group: f.group,
    mtime: f.mtime,
    size: f.size,
    ghost: f.ghost,
    config: f.config,
    color: f.color,
  };
  if (f.linkTo) out.linkTo = f.linkTo;
  if (f.rdev) out.rdev = f.rdev;
  if (f.caps) out.caps = f.caps;
  if (f.linkGroup >= 0) out.linkGroup = f.linkGroup;
  return out;
}

const script = (interpreter: string[], body: string | undefined): Scriptlet => ({ prog: interpreter.length ? interpreter : ['/bin/sh'], body: body ?? '' });

function flattenTriggers(ts: RpmTrigger[]): Trigger[] {
  return ts.flatMap((t) => t.conditions.map((c) => ({ kind: t.kind, dep: depFromHeader(c.name, c.flags, c.version), script: script(t.interpreter, t.body) })));
}

function fileTriggers(ts: RpmTrigger[], trans: boolean): FileTrigger[] {
  return ts.map((t) => ({
    kind: t.kind === 'prein' ? 'in' : t.kind,
    trans,
    prefixes: t.conditions.map((c) => c.name),
    priority: t.priority ?? 1000000,
    script: script(t.interpreter, t.body),
  }));
}

export function installPackageFromInfo(info: PackageInfo, path: string, sha256: string, headerBlob?: Uint8Array, signatureBlob?: Uint8Array): InstallPackage {
  const provides: HeaderDep[] = info.deps.provides.map((d) => depFromHeader(d.name, d.flags, d.version));
  const evr = `${info.epoch ? info.epoch + ':' : ''}${info.version}-${info.release}`;
  // rpm adds the self-provide at build time; headers from other writers may lack it.
  if (!provides.some((p) => p.name === info.name && p.sense === 'EQ')) provides.push(depFromHeader(info.name, 1 << 3, evr));
  const scripts: Partial<Record<ScriptletKind, Scriptlet>> = {};
  for (const s of info.scriptlets) {
    if (s.kind === 'pretrans' || s.kind === 'pre' || s.kind === 'post' || s.kind === 'posttrans') scripts[s.kind] = script(s.interpreter, s.body);
  }
  return {
    name: info.name,
    epoch: info.epoch,
    version: info.version,
    release: info.release,
    arch: info.arch,
    sha256,
    path,
    buildTime: info.buildTime,
    provides,
    requires: info.deps.requires.map((d) => depFromHeader(d.name, d.flags, d.version)),
    orderHints: info.order.map((d) => depFromHeader(d.name, d.flags, d.version)),
    files: info.files.map(installFile),
    scripts,
    triggers: flattenTriggers(info.triggers),
    fileTriggers: [...fileTriggers(info.fileTriggers, false), ...fileTriggers(info.transFileTriggers, true)],
    headerBlob,
    signatureBlob,
  };
}

/** Read one package's header and make its InstallPackage (the payload is not touched). */
export async function readInstallPackage(path: string, sha256: string): Promise<InstallPackage> {
  const h = await readRpmHeaders(path);
  return installPackageFromInfo(packageInfo(h.header), path, sha256, h.header.blob, h.signature.blob);
}

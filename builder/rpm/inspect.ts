// What `vzbuild inspect FILE.rpm` reports: the package header as plain JSON data (NEVRA,
// every dependency list, files, scriptlets, triggers, signatures present), optionally after
// streaming the payload to verify its digests. Rendering as text is the CLI's job.
import type { DepKind } from '../model/package.js';
import { packageInfo, type PackageInfo, type Scriptlet, type Trigger } from './package-info.js';
import { readRpmHeaders } from './read-headers.js';
import { payloadEntries } from './reader.js';
import { SigTag } from './tags.js';

export interface InspectDep {
  name: string;
  flags: number;
  version: string;
  sense?: string;
  pre?: boolean;
  /** Scriptlet phases a Requires(...) is for: pre, post, pretrans, ... */
  phases?: string[];
}

export interface InspectFile {
  path: string;
  mode: number;
  user: string;
  group: string;
  size: number;
  mtime: number;
  digest: string;
  linkto: string;
  flags: number;
  attrs: string[];
  inode: number;
  color: number;
  caps?: string;
}

export interface InspectResult {
  path: string;
  format: 4 | 6;
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  nevra: string;
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
  size: number;
  payloadFormat: string;
  payloadCompressor: string;
  fileDigestAlgo: string;
  /** Which signatures and digests the signature header carries. */
  signatures: string[];
  deps: Record<DepKind, InspectDep[]>;
  files: InspectFile[];
  scriptlets: Scriptlet[];
  triggers: Trigger[];
  fileTriggers: Trigger[];
  transFileTriggers: Trigger[];
  /** Set when the payload was streamed and every digest and size checked out. */
  payloadVerified?: boolean;
}

const ATTRS: [keyof PackageInfo['files'][number], string][] = [
  ['config', 'config'],
  ['doc', 'doc'],
  ['ghost', 'ghost'],
  ['license', 'license'],
  ['missingOk', 'missingok'],
  ['noReplace', 'noreplace'],
];

const SIG_NAMES: [number, string][] = [
  [SigTag.RSA, 'rsaheader'],
  [SigTag.DSA, 'dsaheader'],
  [SigTag.PGP, 'pgp'],
  [SigTag.GPG, 'gpg'],
  [SigTag.OPENPGP, 'openpgp'],
  [SigTag.SHA256, 'sha256'],
  [SigTag.SHA1, 'sha1'],
  [SigTag.SHA3_256, 'sha3-256'],
  [SigTag.MD5, 'md5'],
];

export async function inspectPackage(path: string, opts: { verifyPayload?: boolean } = {}): Promise<InspectResult> {
  const h = await readRpmHeaders(path);
  const info = packageInfo(h.header);
  const result: InspectResult = {
    path,
    format: h.format,
    name: info.name,
    epoch: info.hasEpoch ? info.epoch : null,
    version: info.version,
    release: info.release,
    arch: info.arch,
    nevra: `${info.name}-${info.hasEpoch ? info.epoch + ':' : ''}${info.version}-${info.release}.${info.arch}`,
    sourcePackage: info.sourcePackage,
    sourceRpm: info.sourceRpm,
    summary: info.summary,
    description: info.description,
    license: info.license,
    group: info.group,
    url: info.url,
    vendor: info.vendor,
    packager: info.packager,
    buildTime: info.buildTime,
    buildHost: info.buildHost,
    size: info.size,
    payloadFormat: info.payloadFormat,
    payloadCompressor: info.payloadCompressor,
    fileDigestAlgo: info.fileDigestAlgo,
    signatures: SIG_NAMES.filter(([t]) => h.signature.has(t)).map(([, n]) => n),
    deps: Object.fromEntries(
      Object.entries(info.deps).map(([k, list]) => [k, list.map((d) => ({ name: d.name, flags: d.flags, version: d.version, ...(d.sense ? { sense: d.sense } : {}), ...(d.pre ? { pre: true } : {}), ...(d.phases.length ? { phases: d.phases } : {}) }))]),
    ) as Record<DepKind, InspectDep[]>,
    files: info.files.map((f) => ({
      path: f.path,
      mode: f.mode,
      user: f.user,
      group: f.group,
      size: f.size,
      mtime: f.mtime,
      digest: f.digest,
      linkto: f.linkTo,
      flags: f.flags,
      attrs: ATTRS.filter(([k]) => f[k]).map(([, n]) => n),
      inode: f.inode,
      color: f.color,
      ...(f.caps ? { caps: f.caps } : {}),
    })),
    scriptlets: info.scriptlets,
    triggers: info.triggers,
    fileTriggers: info.fileTriggers,
    transFileTriggers: info.transFileTriggers,
  };
  if (opts.verifyPayload) {
    for await (const e of payloadEntries(path, { headers: h })) e.body.resume();
    result.payloadVerified = true;
  }
  return result;
}

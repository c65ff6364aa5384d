// Writing RPM v4 packages from a description: what rpmbuild would produce for it (header
// with immutable region, signature header with SHA1/SHA256/MD5 and sizes, payload digests),
// so real rpm, rpm2cpio, createrepo_c and dnf accept it. Built for tests and benchmarks that
// need thousands of packages fast: no rpmbuild, no spec files; the payload is assembled in
// memory (test packages are small). Files are described in writer-files.ts.
import { createHash } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { compressBuffer, type Compression } from '../compress/index.js';
import type { DepKind } from '../model/package.js';
import { encodeHeader, type HeaderInput } from './header-encode.js';
import { SCRIPT_TAGS, type ScriptletKind } from './package-info.js';
import { LEAD_SIZE } from './read-headers.js';
import { HEADER_SIGNATURES, PGPHASHALGO_ID, RPMSENSE, SigTag, Tag, TagType } from './tags.js';
import { buildPayload, layFiles, type FileDesc } from './writer-files.js';
import { depInputs, type DepInput, type NormDep } from './writer-deps.js';

export type { FileDesc, FileType } from './writer-files.js';
export type { DepInput } from './writer-deps.js';

export interface ScriptDesc {
  body?: string;
  /** Interpreter argv; default ['/bin/sh'], ['<lua>'] for Lua. */
  interpreter?: string[];
  flags?: number;
}

export interface TriggerDesc {
  kind: 'prein' | 'in' | 'un' | 'postun';
  /** Package names (with optional "name >= 1.0") that fire the trigger. */
  on: DepInput[];
  body: string;
  interpreter?: string;
}

export interface RpmDescription extends Partial<Record<DepKind, DepInput[]>> {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  /** Default 'noarch'. */
  arch?: string;
  summary?: string;
  description?: string;
  license?: string;
  group?: string;
  url?: string;
  vendor?: string;
  packager?: string;
  buildHost?: string;
  /** Default: a fixed time, so the same description gives the same bytes. */
  buildTime?: number;
  sourceRpm?: string;
  files?: FileDesc[];
  scripts?: Partial<Record<ScriptletKind, string | ScriptDesc>>;
  triggers?: TriggerDesc[];
  /** Default 'gzip' (in-process, the fastest to write). */
  compression?: Compression;
  compressionLevel?: number;
  /** Default 'sha256'. */
  fileDigestAlgo?: 'md5' | 'sha1' | 'sha256' | 'sha512';
  /** Add "name = EVR" (and "name(arch) = EVR") provides, as rpmbuild does. Default true. */
  selfProvides?: boolean;
  /** Write rpm's stripped 07070X cpio form (as for files ≥ 4 GiB). */
  strippedCpio?: boolean;
}

export interface WrittenRpm {
  path: string;
  nevra: string;
  size: number;
  sha256: string;
}

const DEFAULT_BUILDTIME = 1700000000;


const PAYLOAD_RPMLIB: Partial<Record<Compression, [string, string]>> = {
  bzip2: ['rpmlib(PayloadIsBzip2)', '3.0.5-1'],
  xz: ['rpmlib(PayloadIsXz)', '5.2-1'],
  lzma: ['rpmlib(PayloadIsLzma)', '4.4.6-1'],
  zstd: ['rpmlib(PayloadIsZstd)', '5.4.18-1'],
};
const RPMLIB_FLAGS = RPMSENSE.RPMLIB | RPMSENSE.LESS | RPMSENSE.EQUAL;

export function nevraString(d: RpmDescription): string {
  return `${d.name}-${d.epoch !== undefined ? d.epoch + ':' : ''}${d.version}-${d.release}.${d.arch ?? 'noarch'}`;
}

function depTags(list: NormDep[], n: number, f: number, v: number): HeaderInput[] {
  if (!list.length) return [];
  return [
    { tag: n, type: TagType.STRING_ARRAY, value: list.map((d) => d.name) },
    { tag: f, type: TagType.INT32, value: list.map((d) => d.flags) },
    { tag: v, type: TagType.STRING_ARRAY, value: list.map((d) => d.version) },
  ];
}

/** The main header and payload for a description (exported for tests that tamper with them). */
export async function buildRpmParts(desc: RpmDescription): Promise<{ header: Buffer; payload: Buffer; archiveSize: number }> {
  const arch = desc.arch ?? 'noarch';
  const compression = desc.compression ?? 'gzip';
  const algo = desc.fileDigestAlgo ?? 'sha256';
  const buildTime = desc.buildTime ?? DEFAULT_BUILDTIME;
  const evr = `${desc.epoch !== undefined ? desc.epoch + ':' : ''}${desc.version}-${desc.release}`;
  const laid = layFiles(desc.files ?? [], buildTime, algo);
  const archive = buildPayload(laid, desc.strippedCpio);
  const payload = await compressBuffer(compression, archive, { level: desc.compressionLevel });

  const provides = depInputs(desc.provides ?? []);
  if (desc.selfProvides !== false) {
    provides.push({ name: desc.name, flags: RPMSENSE.EQUAL, version: evr });
    if (arch !== 'noarch' && arch !== 'src') provides.push({ name: `${desc.name}(${arch === 'x86_64' ? 'x86-64' : arch})`, flags: RPMSENSE.EQUAL, version: evr });
  }
  const requires = depInputs(desc.requires ?? []);
  const rpmlib = (name: string, version: string) => requires.push({ name, flags: RPMLIB_FLAGS, version });
  if (laid.length) rpmlib('rpmlib(CompressedFileNames)', '3.0.4-1');
  if (algo !== 'md5') rpmlib('rpmlib(FileDigests)', '4.6.0-1');
  rpmlib('rpmlib(PayloadFilesHavePrefix)', '4.0-1');
  const pl = PAYLOAD_RPMLIB[compression];
  if (pl) rpmlib(...pl);
  const allDeps = (['requires', 'recommends', 'suggests', 'supplements', 'enhances', 'conflicts', 'obsoletes'] as const).flatMap((k) => desc[k] ?? []);
  if (depInputs(allDeps).some((d) => d.name.startsWith('('))) rpmlib('rpmlib(RichDependencies)', '4.12.0-1');
  const scripts = Object.entries(desc.scripts ?? {}) as [ScriptletKind, string | ScriptDesc][];
  if (scripts.some(([, s]) => typeof s !== 'string' && s.interpreter?.[0] === '<lua>')) rpmlib('rpmlib(BuiltinLuaScripts)', '4.2.2-1');
  if (laid.some((f) => f.caps)) rpmlib('rpmlib(FileCaps)', '4.6.1-1');
  const large = laid.some((f) => f.size >= 2 ** 32) || !!desc.strippedCpio;
  if (large) rpmlib('rpmlib(LargeFiles)', '4.12.0-1');

  const sortDeps = (l: NormDep[]) => dedupe(l.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0)));
  const s = (tag: number, value: string): HeaderInput => ({ tag, type: TagType.STRING, value });
  const i18n = (tag: number, value: string): HeaderInput => ({ tag, type: TagType.I18NSTRING, value: [value] });
  const i32 = (tag: number, value: number[]): HeaderInput => ({ tag, type: TagType.INT32, value });
  const sa = (tag: number, value: string[]): HeaderInput => ({ tag, type: TagType.STRING_ARRAY, value });
  const installed = laid.filter((f) => (f.mode & 0o170000) !== 0o040000).reduce((a, f) => a + (f.linkGroup && f.linkGroup[0] !== laid.indexOf(f) ? 0 : f.size), 0);

  const entries: HeaderInput[] = [
    sa(Tag.HEADERI18NTABLE, ['C']),
    s(Tag.NAME, desc.name),
    s(Tag.VERSION, desc.version),
    s(Tag.RELEASE, desc.release),
    i18n(Tag.SUMMARY, desc.summary ?? `${desc.name} test package`),
    i18n(Tag.DESCRIPTION, desc.description ?? `${desc.name}, written by vzbuild's RPM writer.`),
    i32(Tag.BUILDTIME, [buildTime]),
    s(Tag.BUILDHOST, desc.buildHost ?? 'vzbuild.invalid'),
    s(Tag.LICENSE, desc.license ?? 'MIT'),
    i18n(Tag.GROUP, desc.group ?? 'Unspecified'),
    s(Tag.OS, 'linux'),
    s(Tag.ARCH, arch),
    s(Tag.SOURCERPM, desc.sourceRpm ?? `${desc.name}-${desc.version}-${desc.release}.src.rpm`),
    s(Tag.RPMVERSION, '4.18.0'),
    s(Tag.PAYLOADFORMAT, 'cpio'),
    s(Tag.PAYLOADCOMPRESSOR, compression === 'none' ? 'identity' : compression),
    s(Tag.PAYLOADFLAGS, String(desc.compressionLevel ?? (compression === 'zstd' ? 3 : compression === 'xz' || compression === 'lzma' ? 6 : 9))),
    s(Tag.ENCODING, 'utf-8'),
    sa(Tag.PAYLOADDIGEST, [createHash('sha256').update(payload).digest('hex')]),
    sa(Tag.PAYLOADDIGESTALT, [createHash('sha256').update(archive).digest('hex')]),
    i32(Tag.PAYLOADDIGESTALGO, [PGPHASHALGO_ID.sha256]),
    large ? { tag: Tag.LONGSIZE, type: TagType.INT64, value: [BigInt(installed)] } : i32(Tag.SIZE, [installed]),
  ];
  if (desc.epoch !== undefined) entries.push(i32(Tag.EPOCH, [desc.epoch]));
  if (desc.url) entries.push(s(Tag.URL, desc.url));
  if (desc.vendor) entries.push(s(Tag.VENDOR, desc.vendor));
  if (desc.packager) entries.push(s(Tag.PACKAGER, desc.packager));

  entries.push(...depTags(sortDeps(provides), Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION));
  entries.push(...depTags(sortDeps(requires), Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION));
  entries.push(...depTags(sortDeps(depInputs(desc.conflicts ?? [])), Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION));
  entries.push(...depTags(sortDeps(depInputs(desc.obsoletes ?? [])), Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION));
  entries.push(...depTags(sortDeps(depInputs(desc.recommends ?? [])), Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION));
  entries.push(...depTags(sortDeps(depInputs(desc.suggests ?? [])), Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION));
  entries.push(...depTags(sortDeps(depInputs(desc.supplements ?? [])), Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION));
  entries.push(...depTags(sortDeps(depInputs(desc.enhances ?? [])), Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION));

  for (const [kind, sd] of scripts) {
    const d: ScriptDesc = typeof sd === 'string' ? { body: sd } : sd;
    const [bodyTag, progTag, flagsTag] = SCRIPT_TAGS[kind];
    if (d.body !== undefined) entries.push(s(bodyTag, d.body));
    entries.push(sa(progTag, d.interpreter ?? ['/bin/sh']));
    if (d.flags) entries.push(i32(flagsTag, [d.flags]));
  }
  if (desc.triggers?.length) {
    const conds = desc.triggers.flatMap((t, ti) =>
      depInputs(t.on).map((c) => ({ ...c, flags: c.flags | { prein: RPMSENSE.TRIGGERPREIN, in: RPMSENSE.TRIGGERIN, un: RPMSENSE.TRIGGERUN, postun: RPMSENSE.TRIGGERPOSTUN }[t.kind], ti })),
    );
    entries.push(
      sa(Tag.TRIGGERSCRIPTS, desc.triggers.map((t) => t.body)),
      sa(Tag.TRIGGERSCRIPTPROG, desc.triggers.map((t) => t.interpreter ?? '/bin/sh')),
      sa(Tag.TRIGGERNAME, conds.map((c) => c.name)),
      sa(Tag.TRIGGERVERSION, conds.map((c) => c.version)),
      i32(Tag.TRIGGERFLAGS, conds.map((c) => c.flags)),
      i32(Tag.TRIGGERINDEX, conds.map((c) => c.ti)),
    );
  }

  if (laid.length) {
    const dirs: string[] = [];
    const dirIndex = new Map<string, number>();
    for (const f of laid) if (!dirIndex.has(f.dirname)) dirIndex.set(f.dirname, dirs.push(f.dirname) - 1);
    const n = laid.length;
    entries.push(
      sa(Tag.BASENAMES, laid.map((f) => f.basename)),
      sa(Tag.DIRNAMES, dirs),
      i32(Tag.DIRINDEXES, laid.map((f) => dirIndex.get(f.dirname)!)),
      large ? { tag: Tag.LONGFILESIZES, type: TagType.INT64, value: laid.map((f) => BigInt(f.size)) } : i32(Tag.FILESIZES, laid.map((f) => f.size)),
      { tag: Tag.FILEMODES, type: TagType.INT16, value: laid.map((f) => f.mode) },
      { tag: Tag.FILERDEVS, type: TagType.INT16, value: laid.map((f) => f.rdev) },
      i32(Tag.FILEMTIMES, laid.map((f) => f.mtime)),
      sa(Tag.FILEDIGESTS, laid.map((f) => f.digest)),
      sa(Tag.FILELINKTOS, laid.map((f) => f.linkTo)),
      i32(Tag.FILEFLAGS, laid.map((f) => f.flags)),
      sa(Tag.FILEUSERNAME, laid.map((f) => f.user)),
      sa(Tag.FILEGROUPNAME, laid.map((f) => f.group)),
      i32(Tag.FILEVERIFYFLAGS, new Array<number>(n).fill(0xffffffff)),
      i32(Tag.FILEDEVICES, new Array<number>(n).fill(1)),
      i32(Tag.FILEINODES, laid.map((f) => f.inode)),
      sa(Tag.FILELANGS, new Array<string>(n).fill('')),
      i32(Tag.FILECOLORS, new Array<number>(n).fill(0)),
      i32(Tag.FILEDIGESTALGO, [PGPHASHALGO_ID[algo]]),
    );
    if (laid.some((f) => f.caps)) entries.push(sa(Tag.FILECAPS, laid.map((f) => f.caps)));
  }
  return { header: encodeHeader(entries), payload, archiveSize: archive.length };
}

function dedupe(l: NormDep[]): NormDep[] {
  return l.filter((d, i) => i === 0 || d.name !== l[i - 1].name || d.flags !== l[i - 1].flags || d.version !== l[i - 1].version);
}

/** The signature header for a main header and payload. */
export function signatureHeader(header: Buffer, payload: Buffer, archiveSize: number): Buffer {
  const entries: HeaderInput[] = [
    { tag: SigTag.SHA1, type: TagType.STRING, value: createHash('sha1').update(header).digest('hex') },
    { tag: SigTag.SHA256, type: TagType.STRING, value: createHash('sha256').update(header).digest('hex') },
    { tag: SigTag.MD5, type: TagType.BIN, value: createHash('md5').update(header).update(payload).digest() },
  ];
  const total = header.length + payload.length;
  if (total >= 2 ** 32 || archiveSize >= 2 ** 32) {
    entries.push({ tag: SigTag.LONGSIZE, type: TagType.INT64, value: [BigInt(total)] }, { tag: SigTag.LONGARCHIVESIZE, type: TagType.INT64, value: [BigInt(archiveSize)] });
  } else {
    entries.push({ tag: SigTag.SIZE, type: TagType.INT32, value: [total] }, { tag: SigTag.PAYLOADSIZE, type: TagType.INT32, value: [archiveSize] });
  }
  return encodeHeader(entries, { region: HEADER_SIGNATURES });
}

export function lead(desc: RpmDescription): Buffer {
  const b = Buffer.alloc(LEAD_SIZE);
  b.writeUInt32BE(0xedabeedb, 0);
  b[4] = 3; // rpm writes lead version 3.0 for v4 packages
  b[5] = 0;
  b.writeUInt16BE(0, 6); // binary
  b.writeUInt16BE(1, 8);
  b.write(`${desc.name}-${desc.version}-${desc.release}`.slice(0, 65), 10, 'latin1');
  b.writeUInt16BE(1, 76); // linux
  b.writeUInt16BE(5, 78); // header-style signature
  return b;
}

/** The package as a list of buffers: lead, signature header (padded to 8), header, payload. */
export async function buildRpm(desc: RpmDescription): Promise<Buffer[]> {
  const { header, payload, archiveSize } = await buildRpmParts(desc);
  const sig = signatureHeader(header, payload, archiveSize);
  return [lead(desc), sig, Buffer.alloc((8 - (sig.length % 8)) % 8), header, payload];
}

/** Write the package atomically (temp file in the same directory, fsync, rename). */
export async function writeRpm(desc: RpmDescription, outPath: string): Promise<WrittenRpm> {
  const parts = await buildRpm(desc);
  const tmp = `${outPath}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'wx', 0o644);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for (const p of parts) {
      hash.update(p);
      size += p.length;
    }
    await fh.writeFile(Buffer.concat(parts, size));
    await fh.sync();
    await fh.close();
    await rename(tmp, outPath);
  } catch (e) {
    await fh.close().catch(() => undefined); // already closed on the rename path; the original error matters
    await unlink(tmp).catch(() => undefined); // best effort: the temp file may not exist
    throw e;
  }
  return { path: outPath, nevra: nevraString(desc), size, sha256: hash.digest('hex') };
}

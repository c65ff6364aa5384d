// loadRepo: repomd.xml → primary (+ comps, modules; filelists lazily) → RepoMetadata.
// Each file is verified against repomd.xml while it streams; parsed results are cached
// on disk keyed by the file's checksum, so a warm run reads no XML at all.
import type { RepoPackage } from '../model/package.js';
import { silentLogger } from '../context.js';
import { RepoMetadataError } from './errors.js';
import { filelistsParser, ownersOf, PRIMARY_FILES_RE, primaryFileIndex, type FileIndex } from './filelists.js';
import { Interner } from './intern.js';
import { readMetadata } from './metadata-stream.js';
import { primaryParser } from './primary.js';
import { loadRepomd } from './repomd.js';
import { compsParser } from './comps.js';
import { ModulesYamlError, parseModulesYaml } from './modules.js';
import type { Comps, LoadRepoCtx, LoadRepoOptions, MetadataOpener, ModuleIndex, RepoMetadata, RepomdRecord } from './types.js';
import { XmlScanner, type XmlHandler } from './xml-scanner.js';

export interface XmlFileSpec {
  repo: string;
  open: MetadataOpener;
  record: RepomdRecord;
  signal?: AbortSignal;
}

/** Stream one XML metadata file through a handler, verifying its checksum. */
export async function parseXmlFile(spec: XmlFileSpec, handler: XmlHandler): Promise<void> {
  const scanner = new XmlScanner(handler);
  await readMetadata(
    { repo: spec.repo, open: spec.open, href: spec.record.location, checksum: spec.record.checksum, size: spec.record.size, signal: spec.signal },
    (text) => scanner.write(text),
    () => scanner.end(),
  );
}

export async function parsePrimary(spec: XmlFileSpec): Promise<RepoPackage[]> {
  const parser = primaryParser(spec.repo, new Interner());
  await parseXmlFile(spec, parser);
  if (parser.declared !== undefined && parser.declared !== parser.packages.length) {
    throw new RepoMetadataError('E_METADATA_MALFORMED', spec.repo, spec.record.location, `declares packages="${parser.declared}" but has ${parser.packages.length} <package> elements`);
  }
  return parser.packages;
}

export async function parseFilelists(spec: XmlFileSpec, packages: RepoPackage[]): Promise<FileIndex> {
  const parser = filelistsParser(packages);
  await parseXmlFile(spec, parser);
  return parser.index;
}

export async function parseComps(spec: XmlFileSpec): Promise<Comps> {
  const parser = compsParser();
  await parseXmlFile(spec, parser);
  return parser.comps;
}

export async function parseModules(spec: XmlFileSpec): Promise<ModuleIndex> {
  const parts: string[] = [];
  const file = { repo: spec.repo, open: spec.open, href: spec.record.location, checksum: spec.record.checksum, size: spec.record.size, signal: spec.signal };
  await readMetadata(file, (t) => parts.push(t), () => undefined);
  try {
    return parseModulesYaml(parts.join(''));
  } catch (err) {
    if (err instanceof ModulesYamlError) throw new RepoMetadataError('E_METADATA_MALFORMED', spec.repo, spec.record.location, err.message, { cause: err });
    throw err;
  }
}

/** comps: compressed variants first (smaller downloads), the plain one if those are absent. */
const COMPS_TYPES = ['group_zst', 'group_xz', 'group_gz', 'group'];

async function loadComps(id: string, records: Record<string, RepomdRecord>, spec: (r: RepomdRecord) => XmlFileSpec, ctx: LoadRepoCtx): Promise<Comps | undefined> {
  const present = COMPS_TYPES.filter((t) => records[t]);
  for (const [i, type] of present.entries()) {
    try {
      return await parseComps(spec(records[type]));
    } catch (err) {
      if (!(err instanceof RepoMetadataError && err.code === 'E_METADATA_MISSING') || i === present.length - 1) throw err;
      ctx.log.warn(`repo ${id}: ${records[type].location} is listed but missing; using <data type="${present[i + 1]}">`);
    }
  }
  return undefined;
}

function requireRecord(id: string, records: Record<string, RepomdRecord>, type: string): RepomdRecord {
  const r = records[type];
  if (!r) throw new RepoMetadataError('E_METADATA_MISSING', id, 'repodata/repomd.xml', `has no <data type="${type}">`);
  return r;
}

export async function loadRepo(opts: LoadRepoOptions, ctx: LoadRepoCtx = { log: silentLogger }): Promise<RepoMetadata> {
  const { id, open } = opts;
  const repomd = await loadRepomd(id, open, opts.expectRepomd);
  const spec = (record: RepomdRecord): XmlFileSpec => ({ repo: id, open, record, signal: ctx.signal });
  const primaryRecord = requireRecord(id, repomd.records, 'primary');
  const t0 = performance.now();
  const packages = await parsePrimary(spec(primaryRecord));
  ctx.log.debug(`repo ${id}: ${packages.length} packages from primary`, { ms: Math.round(performance.now() - t0) });

  const comps = opts.want?.comps === false ? undefined : await loadComps(id, repomd.records, spec, ctx);
  const modules = opts.want?.modules === false || !repomd.records.modules ? undefined : await parseModules(spec(repomd.records.modules));

  // File lookups: primary's subset first; filelists.xml read once, on the first miss.
  let primaryOwners: ReturnType<typeof primaryFileIndex> | undefined;
  let full: Promise<FileIndex> | undefined;
  const filelistsRecord = opts.want?.filelists === false ? undefined : repomd.records.filelists;
  const loadFull = (): Promise<FileIndex> => {
    if (!filelistsRecord) {
      const index: FileIndex = { filesOf: new Map(packages.map((p) => [p, p.files])), owners: (primaryOwners ??= primaryFileIndex(packages)) };
      return (full ??= Promise.resolve(index));
    }
    return (full ??= parseFilelists(spec(filelistsRecord), packages));
  };
  let loaded = false;

  return {
    id,
    revision: repomd.revision,
    repomdChecksum: repomd.checksum,
    records: repomd.records,
    packages,
    ...(comps ? { comps } : {}),
    ...(modules ? { modules } : {}),
    async filesOf(pkg) {
      const index = await loadFull();
      loaded = true;
      return index.filesOf.get(pkg) ?? pkg.files;
    },
    async whoOwnsFile(path) {
      if (PRIMARY_FILES_RE.test(path)) return ownersOf((primaryOwners ??= primaryFileIndex(packages)), path);
      const index = await loadFull();
      loaded = true;
      return ownersOf(index.owners, path);
    },
    filelistsLoaded: () => loaded,
  };
}

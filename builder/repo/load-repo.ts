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
import type { LoadRepoCtx, LoadRepoOptions, MetadataOpener, RepoMetadata, RepomdRecord } from './types.js';
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

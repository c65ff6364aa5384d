// loadRepo: repomd.xml → primary (+ comps, modules; filelists lazily) → RepoMetadata.
// Each file is verified against repomd.xml while it streams. With a cacheDir, parsed
// results are kept on disk keyed by the file's checksum, so a warm run reads repomd.xml
// and no other XML at all.
import type { RepoPackage } from '../model/package.js';
import { silentLogger } from '../context.js';
import { compsParser } from './comps.js';
import { RepoMetadataError } from './errors.js';
import { FileIndex, filelistsParser, PRIMARY_FILES_RE, type JoinedLists } from './filelists.js';
import { MetadataCache } from './metadata-cache.js';
import { readMetadata } from './metadata-stream.js';
import { ModulesYamlError, parseModulesYaml } from './modules.js';
import { encodePrimary, PackageStore } from './package-store.js';
import { decodeFileLists, decodeFileOwners, decodeJson, encodeFileLists, encodeFileOwners, encodeJson, packPackages, type Unpacked } from './packages-codec.js';
import { primaryParser } from './primary.js';
import { parsePrimaryParallel, primaryThreads } from './primary-parallel.js';
import { loadRepomd } from './repomd.js';
import type { Comps, LoadRepoCtx, LoadRepoOptions, MetadataOpener, ModuleIndex, RepoMetadata, RepomdRecord } from './types.js';
import { XmlScanner, type XmlHandler } from './xml-scanner.js';

export interface XmlFileSpec {
  repo: string;
  open: MetadataOpener;
  record: RepomdRecord;
  signal?: AbortSignal;
}

const fileOf = (spec: XmlFileSpec) => ({ repo: spec.repo, open: spec.open, href: spec.record.location, checksum: spec.record.checksum, size: spec.record.size, signal: spec.signal });

/** Stream one XML metadata file through a handler, verifying its checksum. */
export async function parseXmlFile(spec: XmlFileSpec, handler: XmlHandler): Promise<void> {
  const scanner = new XmlScanner(handler);
  await readMetadata(fileOf(spec), (text) => scanner.write(text), () => scanner.end());
}

function checkDeclared(spec: XmlFileSpec, declared: number | undefined, count: number): void {
  if (declared !== undefined && declared !== count) {
    throw new RepoMetadataError('E_METADATA_MALFORMED', spec.repo, spec.record.location, `declares packages="${declared}" but has ${count} <package> elements`);
  }
}

/** primary.xml on this thread, in the parse cache's form (a PackageStore makes packages of it). */
async function parsePrimaryForm(spec: XmlFileSpec): Promise<Unpacked> {
  const parser = primaryParser();
  await parseXmlFile(spec, parser);
  checkDeclared(spec, parser.declared, parser.count);
  return parser.result();
}

export async function parsePrimary(spec: XmlFileSpec): Promise<RepoPackage[]> {
  return new PackageStore([await parsePrimaryForm(spec)], spec.repo).packages;
}

/**
 * primary.xml parsed on worker threads when it is large (see primary-parallel.ts), with
 * its cache encoding made on the way; on this thread otherwise, or when a piece fails.
 * `threads`: worker threads (0 = none); default: by its size and the cores.
 */
export async function parsePrimaryEncoded(spec: XmlFileSpec, threads?: number): Promise<{ store: PackageStore; encode: (meta: unknown) => Buffer }> {
  const n = primaryThreads(spec.record.openSize, threads);
  const par = n ? await parsePrimaryParallel(fileOf(spec), n, spec.record.openSize) : undefined;
  if (par) {
    checkDeclared(spec, par.declared, par.store.packages.length);
    return { store: par.store, encode: (meta) => encodePrimary(par.parts, par.store, meta) };
  }
  const form = await parsePrimaryForm(spec);
  const store = new PackageStore([form], spec.repo);
  return { store, encode: (meta) => encodePrimary([packPackages(form, null)], store, meta) };
}

/** Full file lists aligned with `packages` ("\n"-joined; null where filelists has no entry). */
export async function parseFilelists(spec: XmlFileSpec, packages: RepoPackage[]): Promise<JoinedLists> {
  const parser = filelistsParser(packages);
  await parseXmlFile(spec, parser);
  return parser.lists;
}

export async function parseComps(spec: XmlFileSpec): Promise<Comps> {
  const parser = compsParser();
  await parseXmlFile(spec, parser);
  return parser.comps;
}

export async function parseModules(spec: XmlFileSpec): Promise<ModuleIndex> {
  const parts: Buffer[] = [];
  await readMetadata(fileOf(spec), (t) => void parts.push(t), () => undefined);
  try {
    return parseModulesYaml(Buffer.concat(parts).toString('utf8'));
  } catch (err) {
    if (err instanceof ModulesYamlError) throw new RepoMetadataError('E_METADATA_MALFORMED', spec.repo, spec.record.location, err.message, { cause: err });
    throw err;
  }
}

/** comps: compressed variants first (smaller downloads), the plain one if those are absent. */
const COMPS_TYPES = ['group_zst', 'group_xz', 'group_gz', 'group'];

export async function loadRepo(opts: LoadRepoOptions, ctx: LoadRepoCtx = { log: silentLogger }): Promise<RepoMetadata> {
  const { id, open } = opts;
  const repomd = await loadRepomd(id, open, opts.expectRepomd);
  const { records } = repomd;
  const spec = (record: RepomdRecord): XmlFileSpec => ({ repo: id, open, record, signal: ctx.signal });
  const cache = opts.cacheDir ? new MetadataCache(opts.cacheDir, ctx.log) : undefined;

  const writes: Promise<void>[] = [];
  function store(kind: string, key: string, encode: (meta: unknown) => Buffer): void {
    if (!cache) return;
    // Written in the background (file I/O and fsync off the caller's critical path; the
    // process stays alive until it is done, see settled()). A failed write costs speed,
    // not correctness, and there is no caller left to throw to: warn and go on.
    const write = cache.write(cache.pathFor(kind, key), encode({ key }));
    writes.push(write.catch((err: unknown) => ctx.log.warn(`repo ${id}: cannot write the metadata cache: ${(err as Error).message ?? String(err)}`)));
  }
  /** Decode from the cache, or parse and store. */
  async function cached<T>(kind: string, key: string, parse: () => Promise<T>, encode: (v: T, meta: unknown) => Buffer, decode: (u: Unpacked) => T): Promise<T> {
    const hit = await cache?.read(kind, key);
    if (hit) return decode(hit);
    const value = await parse();
    store(kind, key, (meta) => encode(value, meta));
    return value;
  }

  const primary = records.primary;
  if (!primary) throw new RepoMetadataError('E_METADATA_MISSING', id, 'repodata/repomd.xml', 'has no <data type="primary">');
  // Comps and modules load while primary parses: their decompressors (xz, zstd: child
  // processes) and file reads then run beside primary's scan instead of after it.
  const compsP = opts.want?.comps !== false ? loadComps() : undefined;
  const modRec = opts.want?.modules === false ? undefined : records.modules;
  const modulesP = modRec && cached('modules', modRec.checksum, () => parseModules(spec(modRec)), (v, m) => encodeJson('modules', v, m), (u) => decodeJson<ModuleIndex>(u));
  const [pstore, comps, modules] = await Promise.all([loadPrimary(primary), compsP, modulesP]);
  const packages = pstore.packages;

  async function loadPrimary(primary: RepomdRecord): Promise<PackageStore> {
    const t0 = performance.now();
    const primaryHit = await cache?.read('primary', primary.checksum);
    let pstore: PackageStore;
    if (primaryHit) pstore = new PackageStore([primaryHit], id);
    else {
      const parsed = await parsePrimaryEncoded(spec(primary), opts.threads);
      pstore = parsed.store;
      store('primary', primary.checksum, parsed.encode);
    }
    ctx.log.debug(`repo ${id}: ${pstore.packages.length} packages from primary`, { ms: Math.round(performance.now() - t0) });
    return pstore;
  }

  async function loadComps(): Promise<Comps | undefined> {
    const present = COMPS_TYPES.filter((t) => records[t]);
    // Any variant already in the cache will do (they hold the same document).
    for (const type of present) {
      const hit = await cache?.read('comps', records[type].checksum);
      if (hit) return decodeJson<Comps>(hit);
    }
    for (const [i, type] of present.entries()) {
      const rec = records[type];
      try {
        return await cached(`comps`, rec.checksum, () => parseComps(spec(rec)), (v, m) => encodeJson('comps', v, m), (u) => decodeJson<Comps>(u));
      } catch (err) {
        if (!(err instanceof RepoMetadataError && err.code === 'E_METADATA_MISSING') || i === present.length - 1) throw err;
        ctx.log.warn(`repo ${id}: ${rec.location} is listed but missing; using <data type="${present[i + 1]}">`);
      }
    }
    return undefined;
  }

  // File lookups: primary's subset first; filelists.xml read once, on the first miss.
  let primaryIndex: FileIndex | undefined;
  const fileDeps = () => pstore.fileDeps();
  const primaryOnly = () => (primaryIndex ??= new FileIndex(packages, packages.map((p) => p.files.join('\n')), fileDeps));
  let full: Promise<FileIndex> | undefined;
  const filelists = opts.want?.filelists === false ? undefined : records.filelists;
  // The lists are aligned with primary's order, so the key names both files.
  const listsKey = filelists && `${filelists.checksum}+${primary.checksum.slice(primary.checksum.indexOf(':') + 1, primary.checksum.indexOf(':') + 17)}`;
  // Owners of the repo's own file dependencies beyond primary's subset, as filelists told an
  // earlier run: a resolve then knows them up front instead of stopping to ask (the second
  // solve was a third of a resolve on cached metadata). Request-independent, like libsolv's
  // file provides in its .solv cache.
  const ownersHit = listsKey ? await cache?.read('fileowners', listsKey) : undefined;
  let fileDepOwners: Map<string, RepoPackage[]> | undefined;
  try {
    fileDepOwners = ownersHit && decodeFileOwners(ownersHit, packages);
  } catch (err) {
    // derived data: without it a resolve asks filelists as it goes (and it is rewritten)
    ctx.log.warn(`repo ${id}: ignoring unreadable file owners in the metadata cache: ${(err as Error).message}`);
  }
  let ownersStored = !!fileDepOwners;
  const storeOwners = (index: FileIndex) => {
    if (ownersStored || !listsKey) return;
    ownersStored = true;
    const owners = index.whoOwnsMany([...fileDeps()].filter((p) => !PRIMARY_FILES_RE.test(p)));
    store('fileowners', listsKey, (meta) => encodeFileOwners(owners, packages, meta));
  };
  const loadFull = (): Promise<FileIndex> => {
    if (!filelists || !listsKey) return (full ??= Promise.resolve(primaryOnly()));
    return (full ??= cached('filelists', listsKey, () => parseFilelists(spec(filelists), packages), encodeFileLists, decodeFileLists).then((lists) => {
      const index = new FileIndex(packages, lists, fileDeps);
      storeOwners(index);
      return index;
    }));
  };
  let loaded = false;

  return {
    id,
    revision: repomd.revision,
    repomdChecksum: repomd.checksum,
    records,
    packages,
    index: pstore,
    ...(fileDepOwners ? { fileDepOwners } : {}),
    ...(comps ? { comps } : {}),
    ...(modules ? { modules } : {}),
    async filesOf(pkg) {
      const index = await loadFull();
      loaded = true;
      return index.filesOf(pkg);
    },
    async whoOwnsFile(path) {
      if (PRIMARY_FILES_RE.test(path)) return primaryOnly().whoOwns(path);
      const index = await loadFull();
      loaded = true;
      return index.whoOwns(path);
    },
    async whoOwnsFiles(paths) {
      const out = new Map<string, RepoPackage[]>();
      const rest: string[] = [];
      for (const p of paths) {
        if (PRIMARY_FILES_RE.test(p)) out.set(p, primaryOnly().whoOwns(p));
        else rest.push(p);
      }
      if (rest.length) {
        const index = await loadFull();
        loaded = true;
        for (const [p, owners] of index.whoOwnsMany(rest)) out.set(p, owners);
      }
      return out;
    },
    filelistsLoaded: () => loaded,
    async settled() {
      // Writes may start while waiting (filelists, read on first use).
      for (let done = 0; done < writes.length; ) {
        const batch = writes.slice(done);
        done = writes.length;
        await Promise.all(batch);
      }
    },
  };
}

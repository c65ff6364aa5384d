// packTemplate: one walk of a root directory, one deterministic tar stream, fanned out to
// every requested compressor (and `tar -x` for the plain directory output) in parallel,
// each writing a temp file beside its final name; then verify, fsync, publish. An
// interrupted pack (error, abort, crash) leaves temps only, never a partial artifact.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { lstat, mkdir, open, readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawnPipe } from '../../kernel/pipe.js';
import { stableJson, tempNameFor, unlinkQuiet, writeFileAtomic } from '../../cache/atomic.js';
import type { Logger } from '../context.js';
import { toolVersion } from '../version.js';
import { compressorArgv } from './compress.js';
import { PackError } from './errors.js';
import { cleanStaleTemps, publishPath, updateSums } from './publish.js';
import { ChunkPool } from './chunk-pool.js';
import { CHUNK, emptyStats, planTar, tarChunks } from './tar-tree.js';
import { PACK_FORMATS, type PackArtifact, type PackFormat, type PackOptions, type PackResult, type TemplateNameParts } from './types.js';

export const MANIFEST_VERSION = 1;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const PART_RE = /^[A-Za-z0-9._+]+$/;

/** vzpkg's naming: `<os>-<release>-<arch>[-<variant>]`. */
export function templateCacheName(p: TemplateNameParts): string {
  const parts = [p.os, p.release, p.arch, ...(p.variant ? [p.variant] : [])];
  for (const x of parts) if (!PART_RE.test(x)) throw new PackError('E_PACK_NAME', `template cache name part ${JSON.stringify(x)} may only contain letters, digits, '.', '_', '+'`);
  return parts.join('-');
}

export function artifactFileName(name: string, format: PackFormat): string {
  return format === 'dir' ? name : `${name}.${format}`;
}

interface Sink {
  format: PackFormat;
  tmp: string;
  final: string;
  pipe: Duplex;
  done: Promise<void>;
  hash?: ReturnType<typeof createHash>;
  size: number;
  /** Chunks of the tar stream this sink's pipe has taken (write callbacks fired). */
  taken: number;
  argv: string[];
}

async function openSink(format: PackFormat, name: string, outputDir: string, opts: PackOptions, tarSize: number, signal?: AbortSignal): Promise<Sink> {
  const final = join(outputDir, artifactFileName(name, format));
  const tmp = tempNameFor(final);
  if (format === 'dir') {
    await mkdir(tmp, { mode: 0o755 });
    const argv = ['tar', '-x', '-p', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-f', '-', '-C', tmp];
    const pipe = spawnPipe(argv, { signal });
    const done = pipeline(pipe, new Writable({ write: (_c, _e, cb) => cb() }));
    done.catch(() => undefined); // awaited later; see below
    return { format, tmp, final, pipe, done, size: 0, taken: 0, argv };
  }
  const argv = await compressorArgv(format, opts.levels?.[format], tarSize);
  const fh = await open(tmp, 'wx', 0o644);
  // No await between spawning and attaching the pipeline: an abort already signalled
  // destroys the stream at once, and its error needs a listener.
  const pipe = spawnPipe(argv, { signal });
  const sink: Sink = { format, tmp, final, pipe, done: Promise.resolve(), hash: createHash('sha256'), size: 0, taken: 0, argv };
  const out = new Writable({
    write(chunk: Buffer, _e, cb) {
      sink.hash!.update(chunk);
      sink.size += chunk.length;
      fh.write(chunk).then(() => cb(), cb);
    },
    final(cb) {
      fh.sync().then(() => cb(), cb);
    },
  });
  sink.done = pipeline(pipe, out).finally(() => fh.close());
  // Awaited later (after the tar stream ends, or on failure); meanwhile not "unhandled".
  sink.done.catch(() => undefined);
  return sink;
}

/**
 * Bytes queued per compressor before the tar stream waits. Waiting for 'drain' after each
 * chunk (the pipe holds 64 KiB) made the walk and the compressor take turns, each waking
 * the other ~1,300 times per template; a few MiB of slack lets both run at once.
 */
const BACKLOG = 8 << 20;

/**
 * A chunk's buffer goes back to the pool once every sink's pipe has taken the chunk after
 * the next one. kernel/pipe.ts calls back when the child's stdin accepted a chunk, and
 * stdin may still hold (and write from) the tail of it; but a later full chunk is accepted
 * only after that tail went out (stdin writes in order, and a chunk is far above its
 * high-water mark, so accepting one means draining first). One more chunk of lag is margin.
 */
const RELEASE_LAG = 2;

class InFlight {
  private readonly chunks: Buffer[] = [];
  private first = 0;
  constructor(
    private readonly pool: ChunkPool,
    private readonly sinks: Sink[],
  ) {}

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  /** Release every chunk all sinks are done with. */
  settle(): void {
    let taken = Infinity;
    for (const s of this.sinks) taken = Math.min(taken, s.taken);
    while (this.chunks.length && this.first + RELEASE_LAG < taken) {
      this.pool.release(this.chunks.shift() as Buffer);
      this.first++;
    }
  }
}

async function writeAll(sinks: Sink[], chunk: Buffer, inFlight: InFlight): Promise<void> {
  inFlight.add(chunk);
  for (const s of sinks)
    s.pipe.write(chunk, (err) => {
      if (err) return; // the sink's pipeline fails with it; its chunks are never released
      s.taken++;
      inFlight.settle();
    });
  const full = sinks.filter((s) => s.pipe.writableLength >= BACKLOG);
  await Promise.all(full.map((s) => Promise.race([once(s.pipe, 'drain'), s.done])));
}

export async function packTemplate(rootDir: string, opts: PackOptions, ctx: { log?: Logger; signal?: AbortSignal } = {}): Promise<PackResult> {
  const name = opts.name;
  if (!NAME_RE.test(name) || name.endsWith('-old')) throw new PackError('E_PACK_NAME', `bad template cache name ${JSON.stringify(name)}`);
  const formats = [...new Set(opts.formats)];
  if (!formats.length) throw new PackError('E_PACK_FORMAT', 'no output format given');
  for (const f of formats) if (!PACK_FORMATS.includes(f)) throw new PackError('E_PACK_FORMAT', `unknown format ${JSON.stringify(f)} (one of ${PACK_FORMATS.join(', ')})`);
  const root = resolve(rootDir);
  if (!(await lstat(root)).isDirectory()) throw new PackError('E_PACK_ROOT', `${root}: not a directory`);
  const outputDir = resolve(opts.outputDir);
  await mkdir(outputDir, { recursive: true });
  await cleanStaleTemps(outputDir);

  const stats = emptyStats();
  const tarHash = createHash('sha256');
  let tarSize = 0;
  let plannedSize = 0;
  const sinks: Sink[] = [];
  try {
    const plan = await planTar(root, { sourceDateEpoch: opts.sourceDateEpoch, hardLinks: opts.hardLinks, log: ctx.log, signal: ctx.signal }, stats);
    plannedSize = plan.size;
    const stale = () => new PackError('E_PACK_STALE', `${root}: the tree is not the one recorded (tar stream ${tarSize || plannedSize} bytes, expected ${opts.expectTar?.size})`);
    if (opts.expectTar && plan.size !== opts.expectTar.size) throw stale();
    for (const f of formats) sinks.push(await openSink(f, name, outputDir, opts, plan.size, ctx.signal));
    const pool = new ChunkPool(CHUNK);
    const inFlight = new InFlight(pool, sinks);
    for await (const chunk of tarChunks(plan, ctx.signal, pool)) {
      tarHash.update(chunk);
      tarSize += chunk.length;
      await writeAll(sinks, chunk, inFlight);
    }
    if (tarSize !== plannedSize) throw new PackError('E_PACK_CHANGED', `${root}: tar stream is ${tarSize} bytes, planned ${plannedSize}`);
    if (opts.expectTar && tarHash.copy().digest('hex') !== opts.expectTar.sha256) throw stale();
    for (const s of sinks) s.pipe.end();
    await Promise.all(sinks.map((s) => s.done));
    ctx.signal?.throwIfAborted();
  } catch (err) {
    for (const s of sinks) s.pipe.destroy();
    await Promise.allSettled(sinks.map((s) => s.done));
    for (const s of sinks) await rm(s.tmp, { recursive: true, force: true });
    throw err;
  }

  const tar = { sha256: tarHash.digest('hex'), size: tarSize };
  const artifacts: PackArtifact[] = sinks.map((s) => ({
    format: s.format,
    path: s.final,
    sha256: s.hash ? s.hash.digest('hex') : tar.sha256,
    size: s.hash ? s.size : stats.bytes,
  }));
  const manifestPath = join(outputDir, `${name}.manifest.json`);
  const tree = { ...stats, skipped: [...stats.skipped] };
  const reserved = ['version', 'name', 'tool', 'sourceDateEpoch', 'tree', 'tar', 'artifacts'];
  for (const k of Object.keys(opts.manifest ?? {})) if (reserved.includes(k)) throw new PackError('E_PACK_MANIFEST', `manifest field ${k} is written by packTemplate itself`);
  const manifest = {
    ...opts.manifest,
    version: MANIFEST_VERSION,
    name,
    tool: { name: 'vzbuild', version: opts.toolVersion ?? (await toolVersion()) },
    sourceDateEpoch: opts.sourceDateEpoch ?? null,
    tree,
    tar,
    artifacts: artifacts
      .map((a, i) => ({ format: a.format, file: basename(a.path), sha256: a.sha256, size: a.size, compressor: sinks[i].format === 'dir' ? null : sinks[i].argv.join(' ') }))
      .sort((a, b) => (a.file < b.file ? -1 : 1)),
  };

  // The previous cache becomes -old only if this one differs (an identical rebuild must not
  // overwrite the real rollback copy with a duplicate of the current one).
  let previous: { tar?: { sha256?: string } } | undefined;
  try {
    previous = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    void err; // no previous manifest (or an unreadable one): treat as changed
  }
  const changed = previous?.tar?.sha256 !== tar.sha256;
  const keepOld = (opts.keepOld ?? true) && changed;
  const renamed: Record<string, string> = {};
  const sums: Record<string, string> = {};
  for (const [i, a] of artifacts.entries()) {
    const oldName = a.format === 'dir' ? `${name}-old` : `${name}-old.${a.format}`;
    await publishPath(sinks[i].tmp, a.path, keepOld ? join(outputDir, oldName) : undefined);
    if (keepOld) renamed[basename(a.path)] = oldName;
    if (a.format !== 'dir') sums[basename(a.path)] = a.sha256;
  }
  const manifestText = stableJson(manifest);
  const mtmp = tempNameFor(manifestPath);
  try {
    await writeFileAtomic(mtmp, manifestText);
    await publishPath(mtmp, manifestPath, keepOld ? join(outputDir, `${name}-old.manifest.json`) : undefined);
  } finally {
    await unlinkQuiet(mtmp);
  }
  if (keepOld) renamed[basename(manifestPath)] = `${name}-old.manifest.json`;
  sums[basename(manifestPath)] = createHash('sha256').update(manifestText).digest('hex');
  const sumsPath = await updateSums(outputDir, sums, renamed);
  return { name, artifacts, manifestPath, sumsPath, tar, tree };
}

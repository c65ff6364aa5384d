// Pipeline: recipe → lock → fetched packages → installed root → template cache, with only
// data passed between the stages. A build is identified by the hash of everything that
// decides its bytes (lock, recipe options that change the tree, formats, builder version);
// when the published manifest already carries that id and its artifacts exist, the build
// is skipped and says so (--force rebuilds). A changed lock rebuilds, and every unchanged
// package comes out of the store without being unpacked again.
import { createHash, randomBytes } from 'node:crypto';
import { access, readdir, readFile, rename } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { cacheLayout, rootIdFor, storePaths, unregisterRoot } from '../../cache/index.js';
import { exec } from '../../kernel/exec.js';
import { assembleRoot } from '../assemble/index.js';
import type { AssembleOutput } from '../assemble/types.js';
import type { Ctx } from '../context.js';
import { BuilderError } from '../errors.js';
import { canonicalLockfile, lockDigest, readLockfile, writeLockfile } from '../lockfile/index.js';
import type { Lockfile } from '../model/lockfile.js';
import type { Recipe } from '../model/recipe.js';
import { artifactFileName, packTemplate, templateCacheName } from '../pack/index.js';
import type { PackFormat, PackResult } from '../pack/types.js';
import { fetchLock, type FetchResult } from './fetch.js';
import { resolveRecipe } from './resolve.js';
import { toolVersion } from '../version.js';

export const BUILD_ID_VERSION = 1;

export interface BuildOptions {
  /** Lockfile to build from; when it does not exist yet, the resolved lock is written there. */
  lockPath?: string;
  formats?: PackFormat[];
  outputDir?: string;
  force?: boolean;
  /** Work offline from the package cache only. */
  offline?: boolean;
}

export interface BuildResult {
  name: string;
  buildId: string;
  /** True when nothing had to be done (same build id already published). */
  upToDate: boolean;
  lock: { path?: string; digest: string; packages: number; resolved: boolean };
  outputDir: string;
  artifacts: { format: PackFormat; path: string; sha256?: string; size?: number }[];
  fetch?: FetchResult['stats'];
  assemble?: { root: string; stats: AssembleOutput['stats']; skipped: string[]; failedScriptlets: { nevra: string; kind: string; exitCode: number }[] };
  pack?: { tar: PackResult['tar']; tree: PackResult['tree'] };
  ms: number;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The build id: sha256 of the canonical JSON of every input that decides the output bytes. */
export function buildIdOf(lock: Lockfile, recipe: Recipe, formats: PackFormat[], sourceDateEpoch: number, toolVersion: string): string {
  const input = {
    v: BUILD_ID_VERSION,
    lock: lockDigest(lock),
    hooks: recipe.hooks,
    rpmdb: recipe.rpmdb,
    formats: [...formats].sort(),
    // Only when set, so builds without levels keep their ids.
    ...(recipe.output.levels ? { levels: recipe.output.levels } : {}),
    sourceDateEpoch,
    tool: toolVersion,
  };
  return createHash('sha256').update(canonical(input)).digest('hex');
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Host hooks (pre-cache/post-cache): `sh -c HOOK hook PATH`, with the path as $1. */
async function runHostHooks(kind: string, hooks: readonly string[], arg: string, ctx: Ctx): Promise<void> {
  for (const [i, h] of hooks.entries()) {
    ctx.log.info(`${kind} hook ${i + 1}: ${h}`);
    await exec(['/bin/sh', '-c', h, `${kind}-hook`, arg], { cwd: ctx.cwd, env: { ...ctx.env, PATH: ctx.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' }, signal: ctx.signal });
  }
}

const TRASH = '.trash-';

/**
 * Take directories out of the way at once (renamed to a trash name in the checkouts
 * directory) and delete them off the critical path: one `rm -rf` process, on the other
 * core, while the build goes on; the build awaits `done` before returning (wrapped: an
 * async function returning a bare promise would wait for it). Trash that a killed
 * build left behind (its pid no longer running) goes along.
 */
async function discardDirs(checkoutsDir: string, paths: readonly string[], ctx: Ctx): Promise<{ done: Promise<void> }> {
  const trash: string[] = [];
  for (const path of paths) {
    const t = join(checkoutsDir, `${TRASH}${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(path, t);
      trash.push(t);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // nothing there: nothing to discard
    }
  }
  for (const entry of await readdir(checkoutsDir).catch(() => [] as string[])) {
    const pid = Number(/^\.trash-(\d+)-/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) trash.push(join(checkoutsDir, entry));
  }
  if (!trash.length) return { done: Promise.resolve() };
  const done = exec(['rm', '-rf', '--one-file-system', '--', ...trash], { signal: ctx.signal }).then(
    () => ctx.log.debug(`removed ${trash.join(', ')}`),
    // Only space is lost, and the next build retries: not worth failing this one.
    (e: Error) => ctx.log.warn(`could not remove ${trash.join(', ')}: ${e.message}`),
  );
  return { done };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, not ours to signal
  }
}

/**
 * Keep one checkout per template: the newest. It stays registered as a live root, so gc keeps
 * its objects and the next build of the template reuses them; older checkouts of the same
 * template (other build ids) are unregistered and discarded, so they don't pile up.
 */
async function pruneCheckouts(checkoutsDir: string, storeDir: string, name: string, keep: string, ctx: Ctx): Promise<{ done: Promise<void> }> {
  const rootsDir = storePaths(storeDir).roots;
  const old: string[] = [];
  for (const entry of await readdir(checkoutsDir).catch(() => [] as string[])) {
    const path = join(checkoutsDir, entry);
    if (path === keep || !entry.startsWith(`${name}-`) || !/^[0-9a-f]{16}$/.test(entry.slice(name.length + 1))) continue;
    await unregisterRoot(rootsDir, rootIdFor(path));
    old.push(path);
  }
  return discardDirs(checkoutsDir, old, ctx);
}

export async function buildRecipe(recipe: Recipe, ctx: Ctx, opts: BuildOptions = {}): Promise<BuildResult> {
  const t0 = Date.now();
  const layout = cacheLayout(ctx.settings.cacheDir);
  const formats = opts.formats?.length ? opts.formats : recipe.output.formats;
  const outputDir = resolvePath(ctx.cwd, opts.outputDir ?? layout.templates);
  const name = templateCacheName({ os: recipe.distro.id, release: recipe.distro.release, arch: recipe.distro.arch, variant: recipe.variant });

  // 1. The lock: given, or resolved now (and written where --lock points).
  const lockPath = opts.lockPath ? resolvePath(ctx.cwd, opts.lockPath) : undefined;
  let lock: Lockfile;
  let resolved = false;
  if (lockPath && (await exists(lockPath))) lock = await readLockfile(lockPath);
  else {
    lock = canonicalLockfile((await resolveRecipe(recipe, ctx)).lock);
    resolved = true;
    if (lockPath) await writeLockfile(lockPath, lock);
  }
  const digest = lockDigest(lock);
  const sde = recipe.output.sourceDateEpoch ?? (ctx.env.SOURCE_DATE_EPOCH ? Number(ctx.env.SOURCE_DATE_EPOCH) : undefined);
  const version = await toolVersion();
  const buildId = buildIdOf(lock, recipe, formats, sde ?? 0, version);
  const lockInfo = { path: lockPath, digest, packages: lock.packages.length, resolved };
  const artifactPaths = formats.map((f) => ({ format: f, path: join(outputDir, artifactFileName(name, f)) }));

  // 2. Unchanged: the published manifest carries this build id and every artifact is there.
  if (!opts.force) {
    const manifest = await readFile(join(outputDir, `${name}.manifest.json`), 'utf8').then(
      (t) => JSON.parse(t) as { buildId?: string },
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      },
    );
    if (manifest?.buildId === buildId && (await Promise.all(artifactPaths.map((a) => exists(a.path)))).every(Boolean)) {
      ctx.log.info(`${name}: up to date (lock ${digest.slice(0, 19)}, build ${buildId.slice(0, 12)}); nothing to do (--force rebuilds)`);
      return { name, buildId, upToDate: true, lock: lockInfo, outputDir, artifacts: artifactPaths, ms: Date.now() - t0 };
    }
  }

  // 3. Fetch (verified, content-addressed package cache).
  const fetched = await fetchLock(lock, recipe.repos, ctx, { offline: opts.offline });

  // 4. Assemble into a fresh root (the previous checkout of this id, or a leftover of an
  // interrupted build, is discarded in the background).
  const root = join(layout.checkouts, `${name}-${buildId.slice(0, 16)}`);
  const discarding = await discardDirs(layout.checkouts, [root], ctx);
  const asm = await assembleRoot(
    { lock, packages: fetched.packages.map((p) => ({ nevra: p.nevra, path: p.path, sha256: p.sha256 })), recipe, root, installTime: sde },
    ctx,
  );
  if (asm.skipped.length && ctx.settings.strict) throw new BuilderError('E_SCRIPTLET', `${asm.skipped.length} package(s) not installed (their %pre failed): ${asm.skipped.join(', ')}`);

  // 5. Pack: pre-cache hooks see the root, post-cache hooks the published cache.
  await runHostHooks('pre-cache', recipe.hooks.preCache, root, ctx);
  const packed = await packTemplate(
    root,
    {
      name,
      formats,
      outputDir,
      levels: recipe.output.levels,
      // Without SOURCE_DATE_EPOCH, the lock's newest build time: files made by scriptlets
      // get clamped too, so two builds of one lock are byte-identical either way.
      sourceDateEpoch: sde ?? asm.installTime,
      hardLinks: asm.linkGroups,
      manifest: {
        buildId,
        recipe: { name: recipe.name, file: recipe.file, variant: recipe.variant ?? null },
        lock: { digest, packages: lock.packages.map((p) => ({ nevra: `${p.name}-${p.epoch ? p.epoch + ':' : ''}${p.version}-${p.release}.${p.arch}`, checksum: p.checksum })) },
      },
    },
    { log: ctx.log, signal: ctx.signal },
  );
  await runHostHooks('post-cache', recipe.hooks.postCache, packed.artifacts[0]?.path ?? outputDir, ctx);
  await (await pruneCheckouts(layout.checkouts, layout.store, name, root, ctx)).done;
  await discarding.done;

  return {
    name,
    buildId,
    upToDate: false,
    lock: lockInfo,
    outputDir,
    artifacts: packed.artifacts.map((a) => ({ format: a.format, path: a.path, sha256: a.sha256, size: a.size })),
    fetch: fetched.stats,
    assemble: {
      root: asm.root,
      stats: asm.stats,
      skipped: asm.skipped,
      failedScriptlets: asm.scriptletResults.filter((r) => !r.ok).map((r) => ({ nevra: r.nevra, kind: r.kind, exitCode: r.exitCode })),
    },
    pack: { tar: packed.tar, tree: packed.tree },
    ms: Date.now() - t0,
  };
}

// Pipeline: recipe → lock → fetched packages → installed root → template cache, with only
// data passed between the stages. A build is identified by the hash of everything that
// decides its bytes (lock, recipe options that change the tree, formats, builder version);
// when the published manifest already carries that id and its artifacts exist, the build
// is skipped and says so (--force rebuilds). When only the artifacts are missing (another
// output dir, another format) but the installed root of the same tree inputs is kept, that
// root is packed again (kept-root.ts). A changed lock rebuilds, and every unchanged package
// comes out of the store without being unpacked again.
import { createHash, randomBytes } from 'node:crypto';
import { access, readdir, readFile, rename } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { cacheLayout, rootIdFor, storePaths, unregisterRoot } from '../../cache/index.js';
import { lockPackageUse, packageCache } from '../../cache/packages.js';
import { spawnDetached } from '../../kernel/detach.js';
import { exec } from '../../kernel/exec.js';
import { assembleRoot } from '../assemble/index.js';
import type { AssembleOutput } from '../assemble/types.js';
import type { Ctx } from '../context.js';
import { BuilderError } from '../errors.js';
import { canonicalLockfile, lockDigest, readLockfile, writeLockfile } from '../lockfile/index.js';
import type { Lockfile } from '../model/lockfile.js';
import type { Recipe } from '../model/recipe.js';
import { artifactFileName, packTemplate, templateCacheName } from '../pack/index.js';
import type { PackFormat, PackOptions, PackResult } from '../pack/types.js';
import { fetchLock, type FetchResult } from './fetch.js';
import { findKeptRoot, forgetKeptRoot, KEPT_ROOT_VERSION, recordKeptRoot, type KeptRoot } from './kept-root.js';
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
  /** Set when the kept installed root of the same tree inputs was packed again (no install). */
  reusedRoot?: string;
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

/**
 * The tree id: what decides the installed root, not how it is compressed or where it goes
 * (formats, levels and output dir are not in it). A kept root of this id can be packed again.
 */
export function treeIdOf(lock: Lockfile, recipe: Recipe, sourceDateEpoch: number, toolVersion: string): string {
  const input = { v: KEPT_ROOT_VERSION, lock: lockDigest(lock), hooks: recipe.hooks, rpmdb: recipe.rpmdb, sourceDateEpoch, tool: toolVersion };
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
 * Take directories out of the way at once: renamed to a trash name in the checkouts
 * directory, deleted later by purgeTrash. Nothing is deleted here: a big rm -rf running
 * while the build makes its own tree competes for the 2 cores and, on ext4 without a
 * journal, makes every new inode allocation skip the inodes it just freed (they stay
 * unusable for 60 s), which tripled the checkout's mkdir cost.
 */
async function moveToTrash(checkoutsDir: string, paths: readonly string[]): Promise<string[]> {
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
  return trash;
}

/**
 * Delete trash: ours, and what other builds left behind (their pid no longer running).
 * Deleting a 30k-entry tree costs seconds of system time (unlinks, freed inodes, discards):
 * not the build's work, so it runs detached at low priority once the cache is published
 * and does not hold the build up. Each directory is removed under flock(1): two builds
 * never race one rm over the same tree, and one a dying build left half-deleted is
 * finished by the next. A failure costs only space, and the next build retries.
 */
async function purgeTrash(checkoutsDir: string, ours: readonly string[], ctx: Ctx): Promise<void> {
  const trash = [...ours];
  for (const entry of await readdir(checkoutsDir).catch(() => [] as string[])) {
    const pid = Number(/^\.trash-(\d+)-/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) trash.push(join(checkoutsDir, entry));
  }
  if (!trash.length) return;
  // Without flock(1) (util-linux), plain rm: a race only makes one of two rm's complain.
  const script = 'for d do if command -v flock >/dev/null; then flock -n -E 0 "$d" rm -rf --one-file-system -- "$d"; else rm -rf --one-file-system -- "$d"; fi; done';
  await spawnDetached(['nice', '-n', '19', 'sh', '-c', script, 'vzbuild-purge', ...trash], { env: { PATH: ctx.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } }).then(
    (pid) => ctx.log.debug(`removing ${trash.join(', ')} (pid ${pid}, in the background)`),
    (e: Error) => ctx.log.warn(`could not remove ${trash.join(', ')}: ${e.message}`),
  );
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
async function pruneCheckouts(checkoutsDir: string, storeDir: string, name: string, keep: string): Promise<string[]> {
  const rootsDir = storePaths(storeDir).roots;
  const old: string[] = [];
  for (const entry of await readdir(checkoutsDir).catch(() => [] as string[])) {
    const path = join(checkoutsDir, entry);
    if (path === keep || !entry.startsWith(`${name}-`) || !/^[0-9a-f]{16}$/.test(entry.slice(name.length + 1))) continue;
    await unregisterRoot(rootsDir, rootIdFor(path));
    await forgetKeptRoot(path);
    old.push(path);
  }
  return moveToTrash(checkoutsDir, old);
}

/**
 * Pack a kept root again; undefined when it is not what was recorded (changed, or removed
 * meanwhile by a concurrent build): nothing was published then, and the caller installs.
 */
async function repackKept(kept: KeptRoot, o: Omit<PackOptions, 'sourceDateEpoch' | 'hardLinks' | 'expectTar'>, ctx: Ctx): Promise<PackResult | undefined> {
  try {
    return await packTemplate(kept.root, { ...o, sourceDateEpoch: kept.sourceDateEpoch, hardLinks: kept.hardLinks, expectTar: kept.tar }, { log: ctx.log, signal: ctx.signal });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'E_PACK_STALE' && code !== 'E_PACK_CHANGED' && code !== 'E_PACK_ROOT' && code !== 'ENOENT') throw e;
    ctx.log.info(`kept root ${kept.root} not used: ${(e as Error).message}; installing afresh`);
    await forgetKeptRoot(kept.root);
    return undefined;
  }
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

  const manifest = {
    buildId,
    recipe: { name: recipe.name, file: recipe.file, variant: recipe.variant ?? null },
    lock: { digest, packages: lock.packages.map((p) => ({ nevra: `${p.name}-${p.epoch ? p.epoch + ':' : ''}${p.version}-${p.release}.${p.arch}`, checksum: p.checksum })) },
  };
  const packOpts = { name, formats, outputDir, levels: recipe.output.levels, manifest };

  // 3. The installed root of these tree inputs is kept from an earlier build (other formats,
  // another output dir): pack it again, if it still gives the very tar stream it gave then.
  const treeId = treeIdOf(lock, recipe, sde ?? 0, version);
  if (!opts.force) {
    const kept = await findKeptRoot(layout.checkouts, name, treeId);
    const packed = kept && (await repackKept(kept, packOpts, ctx));
    if (kept && packed) {
      await runHostHooks('post-cache', recipe.hooks.postCache, packed.artifacts[0]?.path ?? outputDir, ctx);
      ctx.log.info(`${name}: packed the kept installed root ${kept.root} again (same lock and tree inputs; --force reinstalls)`);
      const artifacts = packed.artifacts.map((a) => ({ format: a.format, path: a.path, sha256: a.sha256, size: a.size }));
      return { name, buildId, upToDate: false, lock: lockInfo, outputDir, artifacts, pack: { tar: packed.tar, tree: packed.tree }, reusedRoot: kept.root, ms: Date.now() - t0 };
    }
  }

  // 4. Fetch (verified, content-addressed package cache). The package-use lock is held
  // until the root is assembled: `vzbuild gc` never prunes a package this build has found
  // but not yet unpacked.
  const packageUse = await lockPackageUse(packageCache(ctx.settings.cacheDir), 'shared', { signal: ctx.signal });
  let fetched: FetchResult;
  try {
    fetched = await fetchLock(lock, recipe.repos, ctx, { offline: opts.offline });
  } catch (e) {
    await packageUse.release();
    throw e;
  }

  // 5. Assemble into a fresh root (the previous checkout of this id, or a leftover of an
  // interrupted build, is moved aside now and deleted once the cache is published).
  const root = join(layout.checkouts, `${name}-${buildId.slice(0, 16)}`);
  let asm: AssembleOutput;
  let packed: Awaited<ReturnType<typeof packTemplate>>;
  const trash: string[] = [];
  try {
    await forgetKeptRoot(root);
    trash.push(...(await moveToTrash(layout.checkouts, [root])));
    asm = await assembleRoot(
      { lock, packages: fetched.packages.map((p) => ({ nevra: p.nevra, path: p.path, sha256: p.sha256 })), recipe, root, installTime: sde },
      ctx,
    );
    await packageUse.release();
    if (asm.skipped.length && ctx.settings.strict) throw new BuilderError('E_SCRIPTLET', `${asm.skipped.length} package(s) not installed (their %pre failed): ${asm.skipped.join(', ')}`);

    // 6. Pack: pre-cache hooks see the root, post-cache hooks the published cache.
    await runHostHooks('pre-cache', recipe.hooks.preCache, root, ctx);
    // Without SOURCE_DATE_EPOCH, the lock's newest build time: files made by scriptlets get
    // clamped too, so two builds of one lock are byte-identical either way.
    const sourceDateEpoch = sde ?? asm.installTime;
    packed = await packTemplate(root, { ...packOpts, sourceDateEpoch, hardLinks: asm.linkGroups }, { log: ctx.log, signal: ctx.signal });
    await recordKeptRoot({ treeId, root, sourceDateEpoch, hardLinks: asm.linkGroups, tar: packed.tar });
    await runHostHooks('post-cache', recipe.hooks.postCache, packed.artifacts[0]?.path ?? outputDir, ctx);
    trash.push(...(await pruneCheckouts(layout.checkouts, layout.store, name, root)));
  } finally {
    await packageUse.release(); // a second release is a no-op
    // Also after a failure: trash of ours is not left for the next build to find.
    await purgeTrash(layout.checkouts, trash, ctx);
  }

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

// `vzbuild fetch RECIPE|LOCK`: download (or, with --offline, only find in the cache) every
// package of a lock, verified. Progress: a bar on a TTY, plain lines otherwise, JSON lines
// on stderr with --json. The work is builder/pipeline/fetch.ts; this file parses and renders.
import { access, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Ctx, Logger } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { FetchResult } from '../../fetch/index.js';
import { readLockfile } from '../../lockfile/index.js';
import type { Lockfile } from '../../model/lockfile.js';
import type { RecipeRepo } from '../../model/recipe.js';
import { displayPath, findRecipe, loadRecipe } from '../../recipe/index.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

interface FetchFlags {
  lock?: string;
  recipe?: string;
  offline?: boolean;
  concurrency?: string;
  verifyCache?: boolean;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('fetch')
    .description('download every package of a lock into the verified package cache (checksums, signatures, mirrors, resume)')
    .argument('<target>', 'a lockfile, or a recipe (its lock: --lock FILE, else RECIPE.lock.json beside it)')
    .option('--lock <file>', 'the lockfile to fetch for a recipe')
    .option('--recipe <file>', 'with a lockfile: the recipe whose mirrors, TLS settings and GPG keys apply')
    .option('--offline', 'cache only, like vzpkg -C: fail naming every package that is not cached')
    .option('--concurrency <n>', 'parallel downloads (default 8)')
    .option('--verify-cache', 're-hash cache hits instead of trusting their content-addressed names')
    .action(async (target: string, flags: FetchFlags, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const { lock, repos } = await loadTarget(target, flags, ctx);
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new UsageError(`--concurrency: "${flags.concurrency}" is not a positive integer`);
      const render = ctx.settings.json ? undefined : progressRenderer(io);
      const run: Ctx = render ? { ...ctx, log: { ...ctx.log, progress: render.event } } : ctx;
      try {
        // Loaded on use: `vzbuild --help` and other commands need none of the fetch stage.
        const { fetchLock } = await import('../../pipeline/fetch.js');
        const r = await fetchLock(lock, repos, run, { offline: flags.offline, concurrency, verifyCache: flags.verifyCache });
        render?.done();
        emit(ctx, io, r, summary);
      } catch (err) {
        render?.done();
        throw err;
      }
    });
}

async function loadTarget(target: string, flags: FetchFlags, ctx: Ctx): Promise<{ lock: Lockfile; repos?: RecipeRepo[] }> {
  const path = await findRecipe(target, ctx.cwd);
  if (await isLockfile(path)) {
    const repos = flags.recipe ? (await loadRecipe(await findRecipe(flags.recipe, ctx.cwd), ctx)).repos : undefined;
    return { lock: await readLockfile(path), repos };
  }
  const recipe = await loadRecipe(path, ctx);
  const lockPath = flags.lock ?? recipe.file.replace(/\.ya?ml$/, '') + '.lock.json';
  try {
    await access(lockPath);
  } catch (err) {
    void err; // reported below with what to do about it
    throw new UsageError(`recipe ${displayPath(ctx.cwd, recipe.file)} has no lock at ${displayPath(ctx.cwd, lockPath)}`, { hint: `make one with \`vzbuild resolve ${target} -o ${displayPath(ctx.cwd, lockPath)}\`, or pass --lock FILE` });
  }
  return { lock: await readLockfile(lockPath), repos: recipe.repos };
}

async function isLockfile(path: string): Promise<boolean> {
  if (/\.(json|lock)$/.test(path)) return true;
  try {
    const head = (await readFile(path, 'utf8')).slice(0, 64).trimStart();
    return head.startsWith('{');
  } catch (err) {
    void err; // missing: let the recipe loader report it by name
    return false;
  }
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function human(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(0)} KiB` : mib(n);
}

function summary(r: FetchResult): string {
  const s = r.stats;
  const secs = s.ms / 1000;
  const rate = s.bytesDownloaded && secs ? `, ${mib(s.bytesDownloaded / secs)}/s` : '';
  return (
    `${s.files} packages: ${s.downloaded} downloaded (${mib(s.bytesDownloaded)} in ${secs.toFixed(1)} s${rate}), ${s.cached} from cache` +
    `${s.bytesResumed ? `, ${mib(s.bytesResumed)} resumed` : ''}${s.retries ? `, ${s.retries} retried attempts` : ''}, ${s.signaturesChecked} signatures checked`
  );
}

/** A bar on a TTY, plain lines otherwise. */
function progressRenderer(io: CliIo): { event: NonNullable<Logger['progress']>; done(): void } {
  const err = io.stderr as NodeJS.WriteStream;
  const tty = !!err.isTTY && !io.env.CI;
  let drawn = false;
  const line = (s: string) => {
    if (drawn) err.write('\r\x1b[K');
    drawn = false;
    err.write(s + '\n');
  };
  return {
    event(e) {
      switch (e.event) {
        case 'fetch-start':
          if (Number(e.files)) line(`fetching ${e.files} packages (${mib(Number(e.bytes))}), ${e.cached} already cached`);
          break;
        case 'fetch-retry':
          line(`retry: ${e.nevra}: ${e.url}: ${e.reason}`);
          break;
        case 'fetch-wait':
          if (!tty) line(`waiting for another vzbuild (pid ${e.holder ?? '?'}) fetching ${e.nevra}`);
          break;
        case 'fetch-file':
          if (!tty && !e.fromCache) line(`fetched ${e.nevra} (${human(Number(e.size))})`);
          break;
        case 'fetch-progress': {
          if (!tty || !Number(e.files)) break;
          const frac = Number(e.bytes) ? Math.min(1, Number(e.bytesDone) / Number(e.bytes)) : 0;
          const width = 24;
          const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
          const rate = Number(e.rate);
          const eta = rate > 0 ? Math.max(0, Math.round((Number(e.bytes) - Number(e.bytesDone)) / rate)) : undefined;
          err.write(`\r\x1b[K[${bar}] ${e.filesDone}/${e.files} files  ${mib(Number(e.bytesDone))}/${mib(Number(e.bytes))}  ${mib(rate)}/s  ETA ${eta === undefined ? '?' : eta + ' s'}`);
          drawn = true;
          break;
        }
      }
    },
    done() {
      if (drawn) err.write('\r\x1b[K');
      drawn = false;
    },
  };
}

// `vzbuild build RECIPE`: resolve (or read --lock), fetch, assemble, pack; an unchanged
// build says so and does nothing (--force rebuilds).
import type { Command } from 'commander';
import { PACK_FORMATS, type PackFormat } from '../../pack/types.js';
import { buildRecipe, type BuildResult } from '../../pipeline/build.js';
import { findRecipe, loadRecipe } from '../../recipe/index.js';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

function mib(n: number): string {
  return (n / 1048576).toFixed(1) + ' MiB';
}

export function summarizeBuild(r: BuildResult): string {
  if (r.upToDate) return `${r.name}: up to date (${r.lock.packages} packages, lock ${r.lock.digest.slice(0, 19)}); nothing done\n${r.artifacts.map((a) => `  ${a.path}`).join('\n')}`;
  if (r.reusedRoot) {
    return [
      `${r.name}: packed in ${(r.ms / 1000).toFixed(1)} s from the kept installed root of this lock (${r.lock.packages} packages; nothing reinstalled, --force reinstalls)`,
      ...r.artifacts.map((x) => `  ${x.path}${x.size !== undefined ? ` (${mib(x.size)})` : ''}`),
    ].join('\n');
  }
  const a = r.assemble!;
  const lines = [
    `${r.name}: built in ${(r.ms / 1000).toFixed(1)} s from ${r.lock.packages} packages${r.lock.resolved ? ' (resolved now)' : ''}`,
    `  fetch: ${r.fetch?.downloaded ?? 0} downloaded, ${r.fetch?.cached ?? 0} from cache`,
    `  install: ${a.stats.packages} packages, ${a.stats.files} entries, ${mib(a.stats.bytes)}; ${a.stats.imported} unpacked into the store, ${a.stats.reused} reused`,
    `  scriptlets: ${a.stats.scriptlets} run, ${a.stats.failedScriptlets} failed${a.skipped.length ? `; not installed (%pre failed): ${a.skipped.join(', ')}` : ''}`,
    ...a.failedScriptlets.map((f) => `    %${f.kind}(${f.nevra}) exit ${f.exitCode}`),
    ...r.artifacts.map((x) => `  ${x.path}${x.size !== undefined ? ` (${mib(x.size)})` : ''}`),
  ];
  return lines.join('\n');
}

export function register(program: Command, io: CliIo): void {
  program
    .command('build')
    .description('build a template cache from a recipe: resolve (or --lock), fetch, install into a root, pack')
    .argument('<recipe>', 'recipe file, or a shipped recipe name')
    .option('--lock <lock>', 'build from this lockfile (written there after resolving when it does not exist)')
    .option('--format <formats>', `output formats, comma-separated (${PACK_FORMATS.join(', ')}); default from the recipe`)
    .option('--output-dir <dir>', 'where template caches are published (default: the state dir)')
    .option('--variant <name>', 'apply this variant overlay')
    .option('--force', 'rebuild even when the lock and options are unchanged')
    .option('--offline', 'use cached packages only')
    .action(async (arg: string, opts: { lock?: string; format?: string; outputDir?: string; variant?: string; force?: boolean; offline?: boolean }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const formats = opts.format?.split(',').map((f) => f.trim()).filter(Boolean) as PackFormat[] | undefined;
      for (const f of formats ?? []) if (!PACK_FORMATS.includes(f)) throw new UsageError(`--format: unknown format ${JSON.stringify(f)} (one of ${PACK_FORMATS.join(', ')})`);
      const recipe = await loadRecipe(await findRecipe(arg, ctx.cwd), ctx, { variant: opts.variant });
      const r = await buildRecipe(recipe, ctx, { lockPath: opts.lock, formats, outputDir: opts.outputDir, force: opts.force, offline: opts.offline });
      emit(ctx, io, r, summarizeBuild);
    });
}

// `vzbuild gc` and `vzbuild fsck`: the store's maintenance commands. Parse flags, call
// cache/, render. fsck sets a non-zero exit code when it finds problems.
import type { Command } from 'commander';
import { cacheLayout } from '../../../cache/layout.js';
import { fsckStore } from '../../../cache/index.js';
import { UsageError } from '../../errors.js';
import { collectGarbage, DEFAULT_MAX_AGE_DAYS } from '../../pipeline/gc.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('gc')
    .description('remove what nothing needs: store objects and package indexes no live checkout or pinned template references, and cached packages and parsed metadata unused for --max-age days')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--keep-indexes', 'keep every imported package (a warm store) and the objects they use')
    .option('--max-age <days>', 'cached packages (unless a live root uses them) and metadata unused this long go', String(DEFAULT_MAX_AGE_DAYS))
    .option('--wait <seconds>', 'how long to wait for running builds to release the store', '600')
    .action(async (opts: { dryRun?: boolean; keepIndexes?: boolean; maxAge: string; wait: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const maxAgeDays = Number(opts.maxAge);
      if (!Number.isFinite(maxAgeDays) || maxAgeDays < 0) throw new UsageError(`--max-age ${JSON.stringify(opts.maxAge)}: a number of days (0 or more) is needed`);
      const r = await collectGarbage(ctx, { dryRun: !!opts.dryRun, keepIndexes: !!opts.keepIndexes, maxAgeDays, lockTimeoutMs: Number(opts.wait) * 1000 });
      const verb = r.dryRun ? 'would remove' : 'removed';
      emit(ctx, io, r, (x) =>
        [
          `store: ${verb} ${x.objects.removed} object(s), ${x.indexes.removed} package index(es), ${x.roots.removed.length} dead root(s), ${x.tempsRemoved} temp(s); kept ${x.objects.kept} object(s), ${x.indexes.kept} package index(es), ${x.roots.live} live root(s)`,
          `store: ${r.dryRun ? 'would free' : 'freed'} ${mib(x.bytesFreed)} (${mib(x.bytesUnlinked)} unlinked from the store; the rest is still linked from checkouts)`,
          `packages: ${verb} ${x.packages.removed} (${mib(x.packages.bytes)}) unused for ${x.maxAgeDays} day(s) and in no live root; kept ${x.packages.kept}`,
          `parsed headers: ${verb} ${x.headers.removed} (${mib(x.headers.bytes)}) and ${x.headers.oldVersions.length} old version dir(s)`,
          `metadata: ${verb} ${x.metadata.removed} parsed file(s) (${mib(x.metadata.bytes)}) and ${x.resolveAnswers.removed} cached answer(s) (${mib(x.resolveAnswers.bytes)})`,
        ].join('\n'),
      );
    });

  program
    .command('fsck')
    .description('re-hash every store object, check metadata and package indexes; exit 1 listing problems')
    .option('--repair', 'remove corrupt objects and the package indexes that need them (they are re-imported on the next build)')
    .action(async (opts: { repair?: boolean }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const r = await fsckStore(cacheLayout(ctx.settings.cacheDir).store, { repair: !!opts.repair });
      emit(ctx, io, r, (x) =>
        [
          ...x.problems.map((p) => `${p.kind}: ${p.key ?? ''} ${p.path}: ${p.detail}`),
          `checked ${x.objects} object(s) (${mib(x.bytes)}), ${x.indexes} package index(es): ${x.problems.length} problem(s)${opts.repair ? `, ${x.repaired} repaired` : ''}`,
        ].join('\n'),
      );
      if (r.problems.length && !opts.repair) io.exitCode = 1;
    });
}


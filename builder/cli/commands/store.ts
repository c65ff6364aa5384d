// `vzbuild gc` and `vzbuild fsck`: the store's maintenance commands. Parse flags, call
// cache/, render. fsck sets a non-zero exit code when it finds problems.
import type { Command } from 'commander';
import { cacheLayout } from '../../../cache/layout.js';
import { fsckStore, gcStore } from '../../../cache/index.js';
import { pruneHeaderCaches } from '../../assemble/header-cache.js';
import { toolVersion } from '../../version.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('gc')
    .description('remove store objects and package indexes no live checkout or pinned template references')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--keep-indexes', 'keep every imported package (a warm store) and the objects they use')
    .option('--wait <seconds>', 'how long to wait for running builds to release the store', '600')
    .action(async (opts: { dryRun?: boolean; keepIndexes?: boolean; wait: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const layout = cacheLayout(ctx.settings.cacheDir);
      const store = await gcStore(layout.store, { dryRun: !!opts.dryRun, keepIndexes: !!opts.keepIndexes, lockTimeoutMs: Number(opts.wait) * 1000 });
      const r = { ...store, headerCaches: { removed: await pruneHeaderCaches(layout.headers, await toolVersion(), !!opts.dryRun) } };
      emit(ctx, io, r, (x) =>
        [
          `${x.dryRun ? 'would remove' : 'removed'} ${x.objects.removed} object(s), ${x.indexes.removed} package index(es), ${x.roots.removed.length} dead root(s), ${x.tempsRemoved} temp(s), ${x.headerCaches.removed.length} old header cache(s)`,
          `kept ${x.objects.kept} object(s), ${x.indexes.kept} package index(es), ${x.roots.live} live root(s)`,
          `${x.dryRun ? 'would free' : 'freed'} ${mib(x.bytesFreed)} (${mib(x.bytesUnlinked)} unlinked from the store; the rest is still linked from checkouts)`,
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


// `vzbuild resolve RECIPE`: the exact package set dnf would install into an empty root,
// as a lockfile (-o) and a summary, or the lockfile JSON itself with --json.
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { canonicalLockfile, readLockfile, writeLockfile } from '../../lockfile/index.js';
import type { Lockfile } from '../../model/lockfile.js';
import { resolveRecipe } from '../../pipeline/resolve.js';
import { displayPath, findRecipe, loadRecipe } from '../../recipe/index.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

function mib(n: number): string {
  return (n / 1048576).toFixed(1) + ' MiB';
}

export function summarize(lock: Lockfile, written?: string): string {
  const size = lock.packages.reduce((a, p) => a + p.size, 0);
  const byRepo = new Map<string, number>();
  for (const p of lock.packages) byRepo.set(p.repo, (byRepo.get(p.repo) ?? 0) + 1);
  const arches = new Map<string, number>();
  for (const p of lock.packages) arches.set(p.arch, (arches.get(p.arch) ?? 0) + 1);
  return [
    `${lock.recipe}: ${lock.packages.length} packages, ${mib(size)} to download`,
    `  by repo: ${[...byRepo].map(([r, n]) => `${r} ${n}`).join(', ')}`,
    `  by arch: ${[...arches].sort().map(([a, n]) => `${a} ${n}`).join(', ')}`,
    ...(written ? [`  wrote ${written}`] : []),
  ].join('\n');
}

export function register(program: Command, io: CliIo): void {
  program
    .command('resolve')
    .description('resolve a recipe to the package set dnf would install into an empty root and write it as a lockfile')
    .argument('<recipe>', 'recipe file, or a shipped recipe name')
    .option('-o, --output <lock>', 'write the lockfile here')
    .option('--lock <lock>', 'pin the packages of this (partial) lockfile')
    .option('--variant <name>', 'apply this variant overlay')
    .option('--arch <arch>', 'resolve for this arch instead of distro.arch')
    .action(async (arg: string, opts: { output?: string; lock?: string; variant?: string; arch?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const recipe = await loadRecipe(await findRecipe(arg, ctx.cwd), ctx, { variant: opts.variant, arch: opts.arch });
      const pins = opts.lock ? await readLockfile(resolvePath(ctx.cwd, opts.lock)) : undefined;
      const { lock } = await resolveRecipe(recipe, ctx, { lock: pins });
      const out = opts.output ? resolvePath(ctx.cwd, opts.output) : undefined;
      if (out) await writeLockfile(out, lock);
      emit(ctx, io, canonicalLockfile(lock), (l) => summarize(l, out && displayPath(ctx.cwd, out)));
    });
}

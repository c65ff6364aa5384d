// `vzbuild recipe`: show the expanded recipe, validate recipes (all problems at once),
// and import vzpkg EZ templates or yum .repo files as recipes.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { BuilderError, ValidationError } from '../../errors.js';
import type { Recipe } from '../../model/recipe.js';
import { displayPath, findRecipe, loadRecipeDetailed } from '../../recipe/index.js';
import type { CliIo } from '../main.js';
import { ctxFrom, emit } from '../shared.js';

export function register(program: Command, io: CliIo): void {
  const recipe = program.command('recipe').description('show, validate and import distro recipes');

  recipe
    .command('show')
    .description('print a recipe as the builder sees it: extends applied, variant and arch overlays merged, variables expanded')
    .argument('<recipe>', 'recipe file, or a shipped recipe name such as centos-stream-9')
    .option('--variant <name>', 'apply this variant overlay')
    .option('--arch <arch>', 'build for this arch instead of distro.arch')
    .action(async (arg: string, opts: { variant?: string; arch?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const { recipe: r, warnings, variants } = await loadRecipeDetailed(await findRecipe(arg, ctx.cwd), ctx, opts);
      for (const w of warnings) ctx.log.warn(w);
      emit(ctx, io, r, (x) => `# ${displayPath(ctx.cwd, x.file)}${variants.length ? ` (variants: ${variants.join(', ')})` : ''}\n${stringify(showable(x))}`);
    });

  recipe
    .command('validate')
    .description('check recipes and each of their variants; exits 1 listing every problem')
    .argument('<recipes...>', 'recipe files or shipped recipe names')
    .option('--arch <arch>', 'validate for this arch instead of distro.arch')
    .action(async (args: string[], opts: { arch?: string }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const results: { file: string; variant?: string; ok: boolean; problems: string[]; warnings: string[] }[] = [];
      for (const arg of args) {
        const file = await findRecipe(arg, ctx.cwd);
        const shown = displayPath(ctx.cwd, file);
        const one = async (variant?: string) => {
          try {
            const d = await loadRecipeDetailed(file, ctx, { arch: opts.arch, variant });
            results.push({ file: shown, ...(variant ? { variant } : {}), ok: true, problems: [], warnings: d.warnings });
            return d.variants;
          } catch (err) {
            if (!(err instanceof BuilderError)) throw err;
            const problems = err instanceof ValidationError ? err.problems : [err.message];
            results.push({ file: shown, ...(variant ? { variant } : {}), ok: false, problems, warnings: [] });
            return [];
          }
        };
        for (const v of await one()) await one(v);
      }
      if (results.some((r) => !r.ok)) io.exitCode = 1;
      emit(ctx, io, results, (rs) =>
        rs
          .map((r) => {
            const head = `${r.ok ? 'ok     ' : 'INVALID'} ${r.file}${r.variant ? ` --variant ${r.variant}` : ''}`;
            return [head, ...r.problems.map((p) => `  ${p}`), ...r.warnings.map((w) => `  warning: ${w}`)].join('\n');
          })
          .join('\n'),
      );
    });
}

/** The recipe as YAML for people: hooks shortened, empty fields left out. */
function showable(r: Recipe): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'file' || k === 'version') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  out.hooks = Object.fromEntries(Object.entries(r.hooks).filter(([, v]) => v.length).map(([k, v]) => [k, v.map((s: string) => (s.length > 200 ? s.slice(0, 200) + '…' : s))]));
  return out;
}

// `vzbuild recipe`: show the expanded recipe, validate recipes (all problems at once),
// and import vzpkg EZ templates or yum .repo files as recipes.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { BuilderError, UsageError, ValidationError } from '../../errors.js';
import type { Recipe } from '../../model/recipe.js';
import { displayPath, findRecipe, loadRecipeDetailed } from '../../recipe/index.js';
import { writeRecipeFile } from '../../recipe/import-common.js';
import { importEzTemplate, parseUrlMap } from '../../recipe/import-ez.js';
import { importRepoFiles, type ImportResult } from '../../recipe/import-repo.js';
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

  const imp = recipe.command('import').description('turn an OpenVZ EZ template or yum .repo files into a recipe');
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  const finish = async (cmd: Command, res: ImportResult, out: string | undefined, force: boolean) => {
    const ctx = ctxFrom(cmd, io);
    for (const w of res.warnings) ctx.log.warn(w);
    if (out) {
      await writeRecipeFile(resolve(ctx.cwd, out), res.text, force);
      ctx.log.info(`wrote ${out} (recipe ${res.name}); check it with: vzbuild recipe show ${out}`);
    }
    emit(ctx, io, { name: res.name, file: out ?? null, warnings: res.warnings, recipe: res.text }, (r) => (out ? '' : r.recipe));
  };

  imp
    .command('ez')
    .description('import an EZ OS template directory (template source tree or installed /vz/template/<os>/<ver>/<arch>/config)')
    .argument('<dir>', 'EZ template directory')
    .option('-o, --output <file>', 'write the recipe here (default: print it)')
    .option('--force', 'replace an existing output file')
    .option('--name <name>', 'recipe name (default <os>-<release>-<arch>)')
    .option('--distro <id>', 'distro id, when the directory name does not say')
    .option('--release <release>', 'distro release')
    .option('--arch <arch>', 'architecture')
    .option('--url-map <file>', "vztt url.map for $SW_SERVER-style macros (default: vztt's shipped values)")
    .option('--var <name=value>', 'value for a template variable (repeatable)', collect)
    .action(async (dir: string, o: { output?: string; force?: boolean; name?: string; distro?: string; release?: string; arch?: string; urlMap?: string; var?: string[] }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const urlMap = o.urlMap ? parseUrlMap(await readFile(resolve(ctx.cwd, o.urlMap), 'utf8')) : undefined;
      const distro = { ...(o.distro ? { id: o.distro } : {}), ...(o.release ? { release: o.release } : {}), ...(o.arch ? { arch: o.arch } : {}) };
      const res = await importEzTemplate(dir, ctx, { name: o.name, distro, urlMap, vars: parseVars(o.var) });
      await finish(cmd, res, o.output, !!o.force);
    });

  imp
    .command('repo')
    .description('import yum/dnf .repo files (all their sections) as the repos of a new recipe')
    .argument('<files...>', '.repo files')
    .requiredOption('--name <name>', 'recipe name')
    .requiredOption('--distro <id>', 'distro id (centos-stream, rhel, fedora, rocky, almalinux, ...)')
    .requiredOption('--release <release>', 'distro release ($releasever)')
    .option('--arch <arch>', 'architecture', 'x86_64')
    .option('-p, --package <spec>', 'package spec to install (repeatable; default @core)', collect)
    .option('--var <name=value>', 'value for a dnf variable such as contentdir or stream (repeatable)', collect)
    .option('-o, --output <file>', 'write the recipe here (default: print it)')
    .option('--force', 'replace an existing output file')
    .action(async (files: string[], o: { name: string; distro: string; release: string; arch: string; package?: string[]; var?: string[]; output?: string; force?: boolean }, cmd: Command) => {
      const ctx = ctxFrom(cmd, io);
      const res = await importRepoFiles(
        files.map((f) => resolve(ctx.cwd, f)),
        ctx,
        { name: o.name, distro: { id: o.distro, release: o.release, arch: o.arch }, packages: o.package, vars: parseVars(o.var) },
      );
      await finish(cmd, res, o.output, !!o.force);
    });
}

function parseVars(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of list ?? []) {
    const m = /^([A-Za-z_]\w*)=(.*)$/.exec(v);
    if (!m) throw new UsageError(`--var ${v}: expected NAME=VALUE`);
    out[m[1]] = m[2];
  }
  return out;
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

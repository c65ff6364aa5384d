// The recipe stage: load a recipe file, apply its `extends` chain, the `arch:` overlay
// for the target arch and the selected variant, validate everything (all problems at
// once, each as file:line: key: message) and return the Recipe other stages consume.
// Importers (vzpkg EZ templates, yum .repo files) live beside it in import-*.ts.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { ValidationError, isErrno } from '../errors.js';
import type { Recipe } from '../model/recipe.js';
import { checkRecipe } from './check.js';
import { RecipeError } from './errors.js';
import { getChild, mergeTrees, withoutKeys } from './merge.js';
import { ARCHES, schemaProblems } from './schema.js';
import { parseYamlTree, toPlain, type MapNode, type TreeNode } from './yaml-tree.js';

export { defaultRpmdb, baseArch } from './check.js';
export { RECIPE_FILE_SCHEMA } from './schema.js';

export interface LoadRecipeOptions {
  /** Named overlay from the recipe's `variants:`; appended to the name unless it sets one. */
  variant?: string;
  /** Build for this arch instead of distro.arch. */
  arch?: string;
}

export async function loadRecipe(path: string, ctx: Ctx, opts: LoadRecipeOptions = {}): Promise<Recipe> {
  const { recipe, warnings } = await loadRecipeDetailed(path, ctx, opts);
  for (const w of warnings) ctx.log.warn(w);
  return recipe;
}

/** loadRecipe plus the warnings and the variant names (for `recipe show`). */
export async function loadRecipeDetailed(path: string, ctx: Ctx, opts: LoadRecipeOptions = {}): Promise<{ recipe: Recipe; warnings: string[]; variants: string[] }> {
  const file = resolve(ctx.cwd, path);
  const shown = displayPath(ctx.cwd, file);
  const problems: string[] = [];
  const merged = await loadLayers(file, ctx.cwd, problems, []);
  if (problems.length || !merged) throw new ValidationError(`recipe ${shown}`, sortProblems(problems));

  const arch = opts.arch ?? (toPlain(getChild(getChild(merged, 'distro'), 'arch') ?? nullNode(merged)) as string | null) ?? undefined;
  if (!arch) throw new ValidationError(`recipe ${shown}`, [`${shown}:${merged.line}: distro.arch: is required (or pass --arch)`]);
  if (!(ARCHES as readonly string[]).includes(arch)) throw new ValidationError(`recipe ${shown}`, [`${shown}:1: arch: unknown arch "${arch}" (known: ${ARCHES.join(', ')})`]);

  const variantsNode = getChild(merged, 'variants');
  const variants = variantsNode?.kind === 'map' ? [...variantsNode.entries.keys()] : [];
  let tree: TreeNode = applyArch(withoutKeys(asMap(merged), 'variants'), arch);
  if (opts.variant) {
    const v = getChild(variantsNode, opts.variant);
    if (!v || v.kind !== 'map') {
      const where = variantsNode ? `${variantsNode.file}:${variantsNode.line}` : `${shown}:1`;
      throw new ValidationError(`recipe ${shown}`, [`${where}: variants: no variant "${opts.variant}" (${variants.length ? `available: ${variants.join(', ')}` : 'this recipe defines none'})`]);
    }
    tree = applyArch(asMap(mergeTrees(tree, withoutKeys(v, 'arch'))!), arch, getChild(v, 'arch'));
  }
  const { recipe, problems: checkProblems, warnings } = await checkRecipe({ tree, file, cwd: ctx.cwd, arch, variant: opts.variant });
  if (ctx.settings.strict) checkProblems.push(...warnings.map((w) => `${w} (an error under --strict)`));
  if (checkProblems.length || !recipe) throw new ValidationError(`recipe ${shown}`, sortProblems(checkProblems));
  return { recipe, warnings: ctx.settings.strict ? [] : warnings, variants };
}

/** Read one file and everything it extends, merged parent-first. */
async function loadLayers(file: string, cwd: string, problems: string[], chain: string[]): Promise<MapNode | undefined> {
  const shown = displayPath(cwd, file);
  if (chain.includes(file)) throw new RecipeError('E_RECIPE_CYCLE', `recipe ${shown} extends itself: ${[...chain, file].map((f) => displayPath(cwd, f)).join(' -> ')}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR')) {
      const from = chain.length ? ` (extended by ${displayPath(cwd, chain[chain.length - 1])})` : '';
      throw new RecipeError('E_RECIPE_NOT_FOUND', `recipe ${shown} not found${from}`, { cause: err });
    }
    throw err;
  }
  const tree = parseYamlTree(text, shown, problems);
  if (!tree) return undefined;
  if (tree.kind !== 'map') {
    problems.push(`${shown}:${tree.line}: (top level): a recipe is a map of keys (name:, distro:, repos:, ...)`);
    return undefined;
  }
  problems.push(...schemaProblems(tree, toPlain(tree)));
  const ext = getChild(tree, 'extends');
  let base: MapNode | undefined;
  if (ext) {
    const parents = ext.kind === 'seq' ? ext.items : [ext];
    for (const p of parents) {
      if (p.kind !== 'scalar' || typeof p.value !== 'string') continue; // the schema reported it
      const parentFile = resolve(dirname(file), p.value);
      const layer = await loadLayers(parentFile, cwd, problems, [...chain, file]);
      if (layer) base = base ? asMap(mergeTrees(base, layer)!) : layer;
    }
  }
  const own = withoutKeys(tree, 'extends');
  return base ? asMap(mergeTrees(base, own)!) : own;
}

function applyArch(tree: MapNode, arch: string, archNode: TreeNode | undefined = getChild(tree, 'arch')): MapNode {
  const overlay = getChild(archNode, arch);
  const rest = withoutKeys(tree, 'arch');
  return overlay ? asMap(mergeTrees(rest, overlay)!) : rest;
}

function asMap(n: TreeNode): MapNode {
  if (n.kind !== 'map') throw new TypeError('recipe layers are maps (the schema guarantees it)');
  return n;
}

function nullNode(at: TreeNode): TreeNode {
  return { kind: 'scalar', value: null, file: at.file, line: at.line };
}

/** Problems grouped by file (in order of first appearance), each file's by line. */
function sortProblems(problems: string[]): string[] {
  const order = new Map<string, number>();
  const parsed = problems.map((p, i) => {
    const m = /^(.*?):(\d+): /.exec(p);
    const file = m?.[1] ?? '';
    if (!order.has(file)) order.set(file, order.size);
    return { p, i, file: order.get(file)!, line: m ? Number(m[2]) : 0 };
  });
  return parsed.sort((a, b) => a.file - b.file || a.line - b.line || a.i - b.i).map((x) => x.p);
}

export function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * Where a recipe argument points: a path as given (relative to cwd), else a shipped
 * recipe by short name — "centos-stream-9" or "centos-stream-9/minimal" — under the
 * package's recipes/ directory.
 */
export async function findRecipe(arg: string, cwd: string): Promise<string> {
  const { access } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  const exists = (p: string) => access(p).then(
    () => true,
    () => false, // absent or unreadable: try the next candidate
  );
  const direct = resolve(cwd, arg);
  if (await exists(direct)) return direct;
  if (!isAbsolute(arg) && !arg.startsWith('.')) {
    // builder/recipe/ in the sources, dist/builder/recipe/ when compiled.
    for (const up of ['../../recipes', '../../../recipes']) {
      const dir = fileURLToPath(new URL(up, import.meta.url));
      for (const cand of [join(dir, arg), join(dir, `${arg}.yaml`), join(dir, arg, 'minimal.yaml')]) {
        if (/\.ya?ml$/.test(cand) && (await exists(cand))) return cand;
      }
    }
  }
  return direct; // loadRecipe reports it as not found, with the path the user gave
}

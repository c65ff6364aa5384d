// What both importers share: finding the variables a foreign config uses that our
// recipes do not define, borrowing pinned keys from a shipped recipe of the same distro,
// and checking an imported recipe by loading it like any other.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx } from '../context.js';
import { isErrno } from '../errors.js';
import type { Recipe } from '../model/recipe.js';
import { RecipeError } from './errors.js';
import { loadRecipeDetailed } from './index.js';

export const BUILTIN_VARS = ['releasever', 'releasever_major', 'releasever_minor', 'basearch', 'arch'];

/** `$name`/`${name}` variables used in a string that neither we nor `vars` define. */
export function unknownVars(s: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/\$(?:\{(\w+)\}|(\w+))/g)) {
    const n = (m[1] ?? m[2])!;
    if (!BUILTIN_VARS.includes(n) && !(n in vars) && !out.includes(n)) out.push(n);
  }
  return out;
}

/** The pinned gpgkey/fingerprint of the shipped `<id>-<release>/minimal.yaml`, if any. */
export async function shippedKeys(ctx: Ctx, id: string, release: string): Promise<{ gpgkey: string[]; fingerprint: string[] } | undefined> {
  for (const up of ['../../recipes', '../../../recipes']) {
    const file = join(fileURLToPath(new URL(up, import.meta.url)), `${id}-${release}`, 'minimal.yaml');
    try {
      const { recipe } = await loadRecipeDetailed(file, { ...ctx, settings: { ...ctx.settings, strict: false } });
      const r = recipe.repos.find((x) => x.fingerprint.length);
      if (r) return { gpgkey: r.gpgkey, fingerprint: r.fingerprint };
    } catch (err) {
      // No shipped recipe for this distro (or not at this depth): nothing to borrow.
      if ((err as { code?: string }).code !== 'E_RECIPE_NOT_FOUND' && !isErrno(err, 'ENOENT')) throw err;
    }
  }
  return undefined;
}

/** Load the generated text as a recipe (all problems at once) to prove it is valid. */
export async function checkImported(text: string, ctx: Ctx): Promise<{ recipe: Recipe; warnings: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'vzbuild-import-'));
  try {
    const file = join(dir, 'imported.yaml');
    await writeFile(file, text);
    const { recipe, warnings } = await loadRecipeDetailed(file, { ...ctx, cwd: dir });
    return { recipe, warnings };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "repo" ids unique within one recipe: a repeat gets -2, -3, ... */
export function uniqueId(base: string, taken: Set<string>): string {
  let id = base.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '') || 'repo';
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/** Write an imported recipe: temp file beside it, fsync, rename; refuses to replace one unless `force`. */
export async function writeRecipeFile(path: string, text: string, force = false): Promise<void> {
  const { open, rename, rm, access } = await import('node:fs/promises');
  const { dirname, basename } = await import('node:path');
  if (!force) {
    const present = await access(path).then(
      () => true,
      () => false, // absent: free to write
    );
    if (present) throw new RecipeError('E_RECIPE_IMPORT', `${path} exists`, { hint: 'pass --force to replace it' });
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

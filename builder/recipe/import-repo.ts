// `vzbuild recipe import repo FILE.repo...`: yum/dnf repository files become a recipe.
// A .repo file knows repositories only, so the distro (id, release, arch), the name and
// the package list come from the caller; keys come from the file's gpgkey, or are
// borrowed (with their pinned fingerprints) from the shipped recipe of that distro.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Ctx } from '../context.js';
import { ValidationError, isErrno } from '../errors.js';
import { emitRecipeYaml } from './emit.js';
import { RecipeError } from './errors.js';
import { displayPath } from './index.js';
import { checkImported, shippedKeys, unknownVars } from './import-common.js';
import { parseRepoFile } from './repo-file.js';

export interface ImportRepoOptions {
  name: string;
  distro: { id: string; release: string; arch: string };
  packages?: string[];
  /** Values for dnf variables the files use beyond $releasever/$basearch ($contentdir, $stream, ...). */
  vars?: Record<string, string>;
}

export interface ImportResult {
  /** The recipe file text (YAML, commented). */
  text: string;
  warnings: string[];
  name: string;
}

export async function importRepoFiles(files: readonly string[], ctx: Ctx, opts: ImportRepoOptions): Promise<ImportResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const repos: Record<string, unknown>[] = [];
  const sources: string[] = [];
  const vars = opts.vars ?? {};
  for (const f of files) {
    const shown = displayPath(ctx.cwd, f);
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new RecipeError('E_RECIPE_IMPORT', `repo file ${shown} not found`, { cause: err });
      throw err;
    }
    const parsed = parseRepoFile(text, shown);
    problems.push(...parsed.problems);
    warnings.push(...parsed.warnings);
    for (const r of parsed.repos) {
      if (repos.some((x) => x.id === r.id)) {
        problems.push(`${shown}:${r.line}: [${r.id}]: repo id defined twice`);
        continue;
      }
      for (const v of Object.values(r.fields).flat()) {
        if (typeof v !== 'string') continue;
        for (const u of unknownVars(v, vars)) problems.push(`${shown}:${r.line}: [${r.id}]: uses $${u}; pass --var ${u}=VALUE (dnf reads it from /etc/dnf/vars/${u})`);
      }
      repos.push(r.fields);
    }
    sources.push(basename(f));
  }
  if (!repos.length && !problems.length) problems.push(`${files.map((f) => displayPath(ctx.cwd, f)).join(', ')}: no repositories (only [main] or empty)`);
  if (problems.length) throw new ValidationError(`repo files`, [...new Set(problems)]);

  const keys = await shippedKeys(ctx, opts.distro.id, opts.distro.release);
  const keyNotes: string[] = [];
  for (const r of repos) {
    const checks = r.gpgcheck !== false || r.repo_gpgcheck === true;
    if (checks && !(r.gpgkey as string[] | undefined)?.length) {
      if (keys) {
        r.gpgkey = keys.gpgkey;
        r.fingerprint = keys.fingerprint;
        keyNotes.push(`[${r.id}] had no gpgkey: using the pinned key of the shipped ${opts.distro.id}-${opts.distro.release} recipe`);
      } else {
        warnings.push(`[${r.id}]: gpgcheck is on but the file names no gpgkey; set one (and its fingerprint) before building`);
      }
    } else if (checks && keys && (r.gpgkey as string[]).some((k) => k.startsWith('file:'))) {
      // A file:// key lives on the machine the .repo came from; pin what the distro ships.
      r.fingerprint = keys.fingerprint;
      keyNotes.push(`[${r.id}] pinned to the fingerprint of the shipped ${opts.distro.id}-${opts.distro.release} recipe`);
    }
  }
  const data: Record<string, unknown> = {
    name: opts.name,
    distro: { id: opts.distro.id, release: opts.distro.release, arch: opts.distro.arch },
    ...(Object.keys(vars).length ? { vars } : {}),
    repos,
    packages: opts.packages?.length ? opts.packages : ['@core'],
  };
  const text = emitRecipeYaml(data, {
    header: [`Imported by \`vzbuild recipe import repo\` from ${sources.join(', ')}.`, 'Review the package list and the key pins before building.'],
    keyComments: { repos: keyNotes, packages: opts.packages?.length ? [] : ['A .repo file names no packages: @core is a starting point.'] },
  });
  const checked = await checkImported(text, ctx);
  return { text, warnings: [...warnings, ...checked.warnings.map((w) => w.replace(/^imported\.yaml:\d+: /, ''))], name: checked.recipe.name };
}

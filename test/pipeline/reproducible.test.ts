// Two builds of one lock are byte-identical (in separate state dirs, so nothing is shared but
// the lock), with and without SOURCE_DATE_EPOCH; and two variants of one distro share their
// common files in the store.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { makeDemoRepo } from '../../builder/demo/make-repo.js';
import { demoRecipe } from '../../builder/demo/example-repo.js';
import { buildRecipe } from '../../builder/pipeline/build.js';
import { loadRecipe } from '../../builder/recipe/index.js';
import { resolveSettings } from '../../builder/settings.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const du = (p: string) => Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0]);

describe.skipIf(!(IS_ROOT && tools('createrepo_c', 'zstd', 'busybox')))('reproducible template caches', () => {
  const tmp = tempDir('vzbuild-repro-');
  let recipeFile: string;
  beforeAll(async () => {
    const repo = await makeDemoRepo(join(tmp.path, 'repo'));
    recipeFile = join(tmp.path, 'vzdemo.yaml');
    writeFileSync(recipeFile, demoRecipe(repo.dir));
  });
  afterAll(() => tmp.cleanup());

  const build = async (state: string, env: NodeJS.ProcessEnv = {}, file = recipeFile, formats?: ('tar.zst' | 'tar.gz' | 'tar.xz')[]) => {
    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, state) }, {}), env: { ...process.env, SOURCE_DATE_EPOCH: undefined, ...env } });
    return buildRecipe(await loadRecipe(file, ctx), ctx, { lockPath: join(tmp.path, 'vzdemo.lock'), formats });
  };

  it('two builds of one lock give byte-identical caches (default epoch: the lock\'s newest build time)', async () => {
    const a = await build('s1', {}, recipeFile, ['tar.zst', 'tar.gz']);
    await new Promise((r) => setTimeout(r, 1100)); // a second later: wall-clock times would differ
    const b = await build('s2', {}, recipeFile, ['tar.zst', 'tar.gz']);
    for (let i = 0; i < a.artifacts.length; i++) expect(sha256(b.artifacts[i].path)).toBe(sha256(a.artifacts[i].path));
    const listing = execFileSync('tar', ['--full-time', '-tvf', a.artifacts[1].path], { encoding: 'utf8' });
    // Every mtime is clamped, including files the scriptlets made (2023-11-14 = the writer's build time).
    expect(listing).toContain('/var/lib/vzdemo/init-post');
    expect(listing).not.toMatch(new RegExp(` ${new Date().getUTCFullYear()}-`));
  });

  it('honours SOURCE_DATE_EPOCH, still byte-identical', async () => {
    const a = await build('s3', { SOURCE_DATE_EPOCH: '1600000000' });
    const b = await build('s4', { SOURCE_DATE_EPOCH: '1600000000' });
    expect(sha256(b.artifacts[0].path)).toBe(sha256(a.artifacts[0].path));
    expect(execFileSync('tar', ['--full-time', '-tvf', a.artifacts[0].path], { encoding: 'utf8' })).toContain('2020-09-13');
  });

  it('two variants share their common files in the store', async () => {
    const small = join(tmp.path, 'small.yaml');
    writeFileSync(small, readFileSync(recipeFile, 'utf8').replace('name: vzdemo-1-x86_64-minimal', 'name: vzdemo-1-x86_64-tiny').replace(/packages: \[.*\]/, 'packages: [filesystem, busybox]').replace('weak_deps: true', 'weak_deps: false'));
    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, 's5') }, {}), env: process.env });
    const big = await buildRecipe(await loadRecipe(recipeFile, ctx), ctx, {});
    const bigTree = du(big.assemble!.root);
    // Same distro and variant, so the same template name: the tiny build replaces big's checkout.
    const tiny = await buildRecipe(await loadRecipe(small, ctx), ctx, {});
    const trees = bigTree + du(tiny.assemble!.root);
    const stored = du(join(tmp.path, 's5', 'store'));
    // busybox (the bulk of both trees) is stored once.
    expect(stored).toBeLessThan(trees * 0.7);
    expect(tiny.assemble!.stats.reused).toBe(tiny.assemble!.stats.packages);
  });
});

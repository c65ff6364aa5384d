// The kept installed root: a build whose artifacts are missing (a fresh output dir, another
// format) but whose tree inputs match the template's kept checkout packs that root again —
// publishing exactly what a full build publishes — and installs afresh when the root no
// longer gives the recorded tar stream, or with --force.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { demoRecipe } from '../../builder/demo/example-repo.js';
import { makeDemoRepo } from '../../builder/demo/make-repo.js';
import { buildRecipe } from '../../builder/pipeline/build.js';
import { loadRecipe } from '../../builder/recipe/index.js';
import { resolveSettings } from '../../builder/settings.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe.skipIf(!(IS_ROOT && tools('createrepo_c', 'zstd', 'busybox')))('the kept installed root', () => {
  const tmp = tempDir('vzbuild-kept-');
  let recipeFile: string;
  const infos: string[] = [];
  beforeAll(async () => {
    const repo = await makeDemoRepo(join(tmp.path, 'repo'));
    recipeFile = join(tmp.path, 'vzdemo.yaml');
    writeFileSync(recipeFile, demoRecipe(repo.dir));
  });
  afterAll(() => tmp.cleanup());

  const build = async (out: string, formats: ('tar.zst' | 'tar.gz')[] = ['tar.zst'], force = false) => {
    const log = { debug: () => {}, info: (m: string) => void infos.push(m), warn: () => {}, error: () => {} };
    const ctx = makeCtx({ settings: resolveSettings({ cacheDir: join(tmp.path, 'state') }, {}), env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' }, log });
    return buildRecipe(await loadRecipe(recipeFile, ctx), ctx, { lockPath: join(tmp.path, 'vzdemo.lock'), outputDir: join(tmp.path, out), formats, force });
  };
  const files = (out: string) => readdirSync(join(tmp.path, out)).sort();
  const sameOutput = (a: string, b: string) => {
    expect(files(b)).toEqual(files(a));
    for (const f of files(a)) expect(sha256(join(tmp.path, b, f)), f).toBe(sha256(join(tmp.path, a, f)));
  };

  it('packs the kept root into a fresh output dir: the same bytes as the full build, nothing reinstalled', async () => {
    const full = await build('out1');
    expect(full.reusedRoot).toBeUndefined();
    expect(full.assemble?.stats.packages).toBeGreaterThan(0);
    const again = await build('out2');
    expect(again.reusedRoot).toBe(full.assemble!.root);
    expect(again.assemble).toBeUndefined();
    expect(again.fetch).toBeUndefined();
    sameOutput('out1', 'out2');
    // Another format is another build id but the same tree: packed from the same root too.
    const gz = await build('out3', ['tar.gz']);
    expect(gz.reusedRoot).toBe(full.assemble!.root);
    expect(gz.pack!.tar).toEqual(full.pack!.tar);
    expect(execFileSync('sh', ['-c', `gzip -dc "${gz.artifacts[0].path}" | sha256sum`], { encoding: 'utf8' }).split(' ')[0]).toBe(full.pack!.tar.sha256);
  });

  it('installs afresh when the kept root changed (same size and mtime), and with --force', async () => {
    const full = await build('out4');
    const root = full.reusedRoot ?? full.assemble!.root;
    // A file a scriptlet made (its own inode, not a store object): other bytes, same size and mtime.
    const victim = join(root, 'var/lib/vzdemo/init-post');
    const st = lstatSync(victim);
    expect(st.nlink).toBe(1);
    const bytes = readFileSync(victim);
    writeFileSync(victim, Buffer.alloc(bytes.length, 0x21));
    utimesSync(victim, st.atime, st.mtime);
    const fresh = await build('out5');
    expect(fresh.reusedRoot).toBeUndefined();
    expect(fresh.assemble?.stats.packages).toBeGreaterThan(0);
    expect(infos.join('\n')).toMatch(/kept root .* not used: .*not the one recorded/);
    sameOutput('out1', 'out5');
    const forced = await build('out6', ['tar.zst'], true);
    expect(forced.reusedRoot).toBeUndefined();
    expect(forced.assemble?.stats.packages).toBeGreaterThan(0);
    sameOutput('out1', 'out6');
  });
});

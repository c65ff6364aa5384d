// A recipe whose repo is remote: metadata and packages come over real HTTP from a server on
// 127.0.0.1, with a dead first mirror and a 503 on the live one's repomd, and the template
// still builds — the same answer as from the local directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCtx } from '../../builder/context.js';
import { makeDemoRepo } from '../../builder/demo/make-repo.js';
import { buildRecipe } from '../../builder/pipeline/build.js';
import { resolveRecipe } from '../../builder/pipeline/resolve.js';
import { loadRecipe } from '../../builder/recipe/index.js';
import { resolveSettings } from '../../builder/settings.js';
import { IS_ROOT, tempDir, tools } from '../helpers/env.js';
import { serveRepo, type RepoServer } from '../helpers/http-server.js';

const recipeText = (baseurls: string[]) => `name: vzdemo-remote
distro: { id: vzdemo, release: "1", arch: x86_64 }
repos:
  - id: vzdemo
    baseurl: [${baseurls.map((u) => JSON.stringify(u)).join(', ')}]
    gpgcheck: false
packages: [filesystem, setup, vzdemo-init, vzdemo-hello]
exclude: ["vzdemo-kernel*"]
rpmdb: sqlite
output: { formats: [tar.zst] }
`;

describe.skipIf(!(IS_ROOT && tools('createrepo_c', 'zstd', 'rpm', 'busybox')))('remote repos through the pipeline', () => {
  const tmp = tempDir('vzbuild-remote-');
  let server: RepoServer;
  let repoDir: string;

  beforeAll(async () => {
    repoDir = (await makeDemoRepo(join(tmp.path, 'repo'))).dir;
    server = await serveRepo(repoDir, { prefix: '/vzdemo/' });
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  const ctxFor = (state: string) => makeCtx({ settings: resolveSettings({ cacheDir: state }, {}), env: process.env });

  it('resolves over http with mirror failover, identical to the local answer', async () => {
    mkdirSync(join(tmp.path, 'r'), { recursive: true });
    const remote = join(tmp.path, 'r', 'remote.yaml');
    const local = join(tmp.path, 'r', 'local.yaml');
    // Port 9 (discard) on loopback refuses connections: a dead mirror listed first.
    writeFileSync(remote, recipeText(['http://127.0.0.1:9/vzdemo/', server.url]));
    writeFileSync(local, recipeText([`file://${repoDir}`]));
    server.fault({ match: 'repomd.xml', fault: '503', times: 1 });
    const ctx = ctxFor(join(tmp.path, 'state-r'));
    const a = await resolveRecipe(await loadRecipe(remote, ctx), ctx);
    const b = await resolveRecipe(await loadRecipe(local, ctx), ctx);
    expect(a.lock.packages.map((p) => [p.name, p.checksum])).toEqual(b.lock.packages.map((p) => [p.name, p.checksum]));
    expect(a.lock.packages).toHaveLength(7);
    expect(server.requests.some((r) => r.path.endsWith('repomd.xml') && r.status === 503)).toBe(true);
  });

  it('builds a template from the remote repo that rpm verifies', async () => {
    const state = join(tmp.path, 'state-b');
    const file = join(tmp.path, 'remote-build.yaml');
    writeFileSync(file, recipeText([server.url]));
    const ctx = ctxFor(state);
    const r = await buildRecipe(await loadRecipe(file, ctx), ctx, {});
    const root = join(tmp.path, 'x');
    mkdirSync(root);
    execFileSync('tar', ['-xpf', r.artifacts[0].path, '-C', root]);
    expect(execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(7);
    expect(execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va'], { encoding: 'utf8' })).toBe('');
    expect(server.requests.filter((q) => q.path.endsWith('.rpm') && q.status === 200)).toHaveLength(7);
    // No files of different packages were turned into hard links of each other.
    expect(execFileSync('tar', ['-tvf', r.artifacts[0].path], { encoding: 'utf8' })).not.toMatch(/^h/m);

    // A second build with other options (another build id; --force: installed again, not
    // packed from the kept root) replaces the checkout, not adds one, and reuses every
    // package from the store and package cache.
    const again = await buildRecipe(await loadRecipe(file, ctx), ctx, { formats: ['tar.gz'], force: true });
    expect(again.assemble?.stats.reused).toBe(7);
    expect(again.fetch?.downloaded).toBe(0);
    // The replaced checkout is deleted in the background, after the build returns: soon gone.
    const left = () => readdirSync(join(state, 'checkouts'));
    for (let i = 0; i < 600 && left().some((n) => n.startsWith('.trash-')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(left().sort()).toEqual([basename(again.assemble!.root), `${basename(again.assemble!.root)}.packed.json`]);
  });
});
